package dev.sandboxagent.store.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Removes the events of deleted sessions, a chunk at a time, on its own thread ("session-store-remover").
 *
 * <p>Why: the store has one writer, which commits every session's events (events are sent only once committed), so a
 * delete that removed a long log in its own transaction held every live session's appends, and so their streams, for
 * as long as that took (seconds for a million events), and grew the WAL by the whole log. Now a delete only marks the
 * session's row ({@link SessionTable#markRemoving}, one short transaction: from then on the session is gone to every
 * read and write), and this thread removes the events afterwards in transactions of at most {@link Settings#chunkRows}
 * rows, each queued on the writer as a write of its own, so the other sessions' commits go in between (the next
 * chunk is queued only once the previous one has committed, behind whatever queued meanwhile). The last chunk also
 * deletes the row, the mark. A restart resumes what a stop or crash left marked (docs/benchmarks.md, "Deleting a
 * session without stalling the others, session 12").
 *
 * <p>A chunk that fails (a full disk: chunks are refused untried during a full-disk episode, as they would only spend
 * the reserve kept for the events that record how sessions stopped; removing rows frees no space on the volume
 * anyway, only pages inside the file) is retried after a wait that doubles up to {@link Settings#maxRetryMillis},
 * logged once per session. A failed chunk rolls back whole, so it loses nothing.
 */
final class SessionRemover {
    private static final Logger LOG = Logger.getLogger(SessionRemover.class.getName());

    /**
     * @param chunkRows        events removed per transaction: ~2,000 rows is a few milliseconds of the writer (a
     *                         commit of appends is up to 2,000 events too, see {@link StoreWriter#BATCH_MAX_DRAFTS})
     * @param firstRetryMillis the wait after a first failed chunk
     * @param maxRetryMillis   the longest wait between tries
     */
    record Settings(int chunkRows, long firstRetryMillis, long maxRetryMillis) {
        static final Settings DEFAULT = new Settings(2_000, 1_000, 30_000);

        Settings {
            if (chunkRows < 1 || firstRetryMillis < 1 || maxRetryMillis < firstRetryMillis) {
                throw new IllegalArgumentException("bad removal settings: " + chunkRows + " rows, retries "
                        + firstRetryMillis + ".." + maxRetryMillis + " ms");
            }
        }
    }

    /** What one chunk did: {@code finished} once the session has no event and no mark left. */
    record Chunk(int removed, boolean finished) {
    }

    private final StoreWriter writer;
    private final Settings settings;
    private final Thread thread = new Thread(this::run, "session-store-remover");
    /** Sessions whose removal is pending, in the order they were deleted; the one being removed stays in until done. */
    private final Set<String> pending = new LinkedHashSet<>();
    private boolean stopping;

    SessionRemover(StoreWriter writer, Settings settings, Iterable<String> leftMarked) {
        this.writer = writer;
        this.settings = settings;
        leftMarked.forEach(pending::add);
        thread.setDaemon(true); // a forgotten close() must not keep the JVM alive; the marks survive it
    }

    int chunkRows() {
        return settings.chunkRows();
    }

    void start() {
        thread.start();
    }

    /** After the commit that marked the session deleted (on the writer thread: never blocks). */
    synchronized void schedule(String sessionId) {
        pending.add(sessionId);
        notifyAll();
    }

    synchronized boolean isPending(String sessionId) {
        return pending.contains(sessionId);
    }

    /**
     * One chunk of a deleted session's events, in the caller's transaction. Only under the mark: once a re-create of
     * the id has finished the removal (or this did), the id's events are the new session's and are never touched.
     */
    static Chunk removeChunk(Connection connection, String sessionId, int rows) throws SQLException {
        if (!SessionTable.isRemoving(connection, sessionId)) {
            return new Chunk(0, true);
        }
        int removed = EventTable.deleteOldest(connection, sessionId, rows);
        if (EventTable.hasAny(connection, sessionId)) {
            return new Chunk(removed, false);
        }
        SessionTable.deleteRemoved(connection, sessionId);
        return new Chunk(removed, true);
    }

    /** Removes whatever is left of a deleted session's events and its mark, in the caller's transaction. */
    static void finish(Connection connection, String sessionId) throws SQLException {
        if (SessionTable.isRemoving(connection, sessionId)) {
            EventTable.deleteAll(connection, sessionId);
            SessionTable.deleteRemoved(connection, sessionId);
        }
    }

    /**
     * Waits until no removal is pending, for tests and tools (the benchmark). False if {@code timeoutMillis} passed
     * first or the remover stopped with some pending (they resume at the next open).
     */
    synchronized boolean awaitIdle(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!pending.isEmpty() && !stopping) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return pending.isEmpty();
    }

    /** Queues no chunk after the one in progress (if any); the caller then closes the queue and waits. */
    void stop() {
        synchronized (this) {
            stopping = true;
            notifyAll();
        }
        thread.interrupt(); // ends a wait between retries; a chunk in progress finishes as the writer drains
    }

    /** Waits for the thread to end; after {@link #stop} and once the writer has stopped. */
    void awaitStopped() {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        String sessionId;
        while ((sessionId = next()) != null) {
            if (removeAll(sessionId)) {
                done(sessionId);
            }
        }
    }

    /** The oldest pending removal, or null once stopping. */
    private synchronized String next() {
        while (pending.isEmpty() && !stopping) {
            try {
                wait();
            } catch (InterruptedException e) {
                return null; // only stop() interrupts
            }
        }
        return stopping ? null : pending.iterator().next();
    }

    private synchronized void done(String sessionId) {
        pending.remove(sessionId);
        notifyAll();
    }

    private synchronized boolean stopping() {
        return stopping;
    }

    /** Chunk after chunk until the session is gone; false if stopped first (the mark stays for the next open). */
    private boolean removeAll(String sessionId) {
        String description = "remove the events of deleted session '" + sessionId + "'";
        int failures = 0;
        long removed = 0;
        long retryMillis = settings.firstRetryMillis();
        while (!stopping()) {
            try {
                Chunk chunk = writer.execute(description,
                        tx -> removeChunk(tx.connection(), sessionId, settings.chunkRows()));
                removed += chunk.removed();
                if (chunk.finished()) {
                    if (failures > 0) {
                        LOG.info("removed the events of deleted session '" + sessionId + "' (" + removed
                                + " events) after " + failures + " failed tries");
                    }
                    return true;
                }
            } catch (RuntimeException e) { // a StoreException, or a bug: neither may end the removals
                if (stopping()) {
                    return false;
                }
                if (failures++ == 0) {
                    // Once per session, not once per try: a full disk can last hours.
                    LOG.warning("could not " + description + " (" + e.getMessage() + "); it stays hidden and is"
                            + " retried every " + settings.maxRetryMillis() / 1000 + " s at most until it works");
                }
                if (!sleep(retryMillis)) {
                    return false;
                }
                retryMillis = Math.min(retryMillis * 2, settings.maxRetryMillis());
            }
        }
        return false;
    }

    private boolean sleep(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            return false; // only stop() interrupts
        }
    }
}
