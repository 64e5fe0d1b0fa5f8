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
     * @param chunkRows        events removed per transaction: 500 is ~2-7 ms of the writer on the benchmark's
     *                         2-core machine at load 4-5, about one commit of appends; 1,000 and 2,000 showed longer
     *                         stalls of the other sessions (docs/benchmarks.md, "Deleting a session without stalling
     *                         the others, session 12")
     * @param firstRetryMillis the wait after a first failed chunk
     * @param maxRetryMillis   the longest wait between tries
     */
    record Settings(int chunkRows, long firstRetryMillis, long maxRetryMillis) {
        static final Settings DEFAULT = new Settings(500, 1_000, 30_000);

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

    /** How many of the checkpointer's rounds a removal waits at most for a large WAL to be copied (see pace). */
    private static final int WAL_WAIT_ROUNDS = 3;

    private final StoreWriter writer;
    private final Settings settings;
    private final Thread thread = new Thread(this::run, "session-store-remover");
    /** Sessions whose removal is pending, in the order they were deleted; the one being removed stays in until done. */
    private final Set<String> pending = new LinkedHashSet<>();
    private boolean stopping;
    private boolean started;

    SessionRemover(StoreWriter writer, Settings settings, Iterable<String> leftMarked) {
        this.writer = writer;
        this.settings = settings;
        leftMarked.forEach(pending::add);
        thread.setDaemon(true); // a forgotten close() must not keep the JVM alive; the marks survive it
    }

    int chunkRows() {
        return settings.chunkRows();
    }

    /**
     * Starts the thread if a removal is pending. It starts on the first delete otherwise: a server that deletes
     * nothing runs no thread for it (idle memory is one of the server's targets, docs/benchmarks.md).
     */
    synchronized void start() {
        if (!pending.isEmpty()) {
            startOnce();
        }
    }

    /** After the commit that marked the session deleted (on the writer thread: never blocks). */
    synchronized void schedule(String sessionId) {
        pending.add(sessionId);
        startOnce();
        notifyAll();
    }

    private void startOnce() {
        if (!started && !stopping) {
            started = true;
            thread.start();
        }
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
                long start = System.nanoTime();
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
                pace(System.nanoTime() - start);
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

    /**
     * Leaves the writer to the other sessions for as long as the chunk took (queue wait included), so a removal takes
     * at most about half of the writer's time. And while the WAL is past half the size at which the writer checkpoints
     * by itself ({@link Checkpointer#WAL_LIMIT_BYTES}), waits for the checkpointer's rounds to copy it, up to
     * {@value #WAL_WAIT_ROUNDS} rounds: the next commit (another session's, or this removal's next chunk) then starts
     * the WAL over. Back to back, chunks wrote the WAL faster than the checkpointer copied it, and the writer's own
     * catch-up checkpoint held every session for 10-50 ms each time the WAL passed its limit (docs/benchmarks.md,
     * "Deleting a session without stalling the others, session 12").
     */
    private void pace(long chunkNanos) {
        java.util.concurrent.locks.LockSupport.parkNanos(chunkNanos); // stop() interrupts, which ends it too
        for (int round = 0; round < WAL_WAIT_ROUNDS && writer.walContentBytes() > Checkpointer.WAL_LIMIT_BYTES / 2
                && !stopping(); round++) {
            java.util.concurrent.locks.LockSupport.parkNanos(
                    TimeUnit.MILLISECONDS.toNanos(Checkpointer.INTERVAL_MILLIS));
        }
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
