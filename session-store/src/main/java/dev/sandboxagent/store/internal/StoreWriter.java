package dev.sandboxagent.store.internal;

import dev.sandboxagent.store.StoreException;
import dev.sandboxagent.store.UniversalEvent;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The writer's role: the only code that writes to the database. It owns the write connection and is the only one to
 * advance {@link SessionSequences}, so numbering never runs ahead of what is committed. The role is held by its own
 * thread, or, while that thread is idle, by an appending thread that commits its own small append in its place
 * ({@link #commitQueuedIfIdle}; docs/benchmarks.md "Latency, session 13"): one holder at a time, under {@code role}.
 *
 * <p>Group commit: the writer takes everything queued, up to {@link #BATCH_MAX_DRAFTS} drafts, and stores it all
 * in one transaction, so one fsync serves every append in it. It does not wait for more: while one transaction
 * commits, what arrives queues up and goes into the next, so batches grow with the load by themselves, and an
 * append that finds the writer idle is committed at once instead of after a fixed wait (a fixed 2 ms wait used to be
 * paid by every commit: two or three times per mock turn). Only after COMMIT returns does it complete the futures,
 * in queue order, and hand the batch to the commit listeners, once. A failed transaction fails its appends and
 * nothing else: the writer goes on with the next batch, so appends work again once, say, disk space returns.
 */
final class StoreWriter {
    private static final Logger LOG = Logger.getLogger(StoreWriter.class.getName());
    // Bounds one transaction (a few MB of JSON) and how long a synchronous write queued behind it waits.
    static final int BATCH_MAX_DRAFTS = 2_000;
    /**
     * How often {@link #checkpointIfTheWalIsLarge} reads the WAL file's size at most. Read after every commit, that
     * stat of its path was ~1.5% of a mock turn's server CPU, two a turn (docs/benchmarks.md "Turn cost, session
     * 17"). In 5 ms the fastest stream measured here (~200k events/s of ~300 bytes) adds ~0.3 MB to the WAL, well
     * within the slack of its bound (the writer waits for the checkpointer only past one and a half times it).
     */
    private static final long WAL_SIZE_READ_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    /** Null while the store is read-only (it opened on a full disk): made by {@link #reopen} once space returns. */
    private Connection connection;
    private final Supplier<Connection> reopen;
    private final Headroom headroom;
    private final Path file;
    private final WriteQueue queue;
    private final SessionSequences sequences;
    private final List<Consumer<List<UniversalEvent>>> listeners = new CopyOnWriteArrayList<>();
    private final Thread thread = new Thread(this::run, "session-store-writer");
    /**
     * The writer's role: held by whoever takes work off the queue and runs it on the connection, the writer thread
     * or an appending thread that commits its own small append while the writer is idle ({@link
     * #commitQueuedIfIdle}). Everything below that is not final is guarded by it.
     */
    private final ReentrantLock role = new ReentrantLock();
    private final Checkpointer checkpointer;
    /** Encodes every appended event, on this thread only: one generator and buffer for all of them. */
    private final UniversalEvent.Encoder encoder = new UniversalEvent.Encoder();
    /** The statements every commit runs, kept across commits; made afresh for a new connection or after a failure. */
    private KeptStatements statements;
    /** The WAL size at which {@link #checkpointIfTheWalIsLarge} tries again after a try that did not restart it. */
    private long nextCatchUpBytes;
    /** When {@link #checkpointIfTheWalIsLarge} next reads the WAL's size ({@link System#nanoTime}); first at once. */
    private long nextWalSizeReadNanos = System.nanoTime();
    /** What the integrity check found, once it found damage: from then on every write is refused untried. */
    private volatile String corruption;

    /**
     * @param connection the write connection, or null to start read-only
     * @param reopen     opens the write connection once space returns, when starting read-only
     */
    StoreWriter(Connection connection, Supplier<Connection> reopen, Headroom headroom, Path file, WriteQueue queue,
                SessionSequences sequences) {
        this.connection = connection;
        this.reopen = reopen;
        this.headroom = headroom;
        this.file = file;
        this.queue = queue;
        this.sequences = sequences;
        this.checkpointer = new Checkpointer(file);
        // Daemon so a forgotten close() cannot keep the JVM alive; everything acknowledged is committed already.
        thread.setDaemon(true);
    }

    void start() {
        checkpointer.start();
        thread.start();
    }

    /** Whether this thread runs the writer's work now (the writer thread, or a thread committing in its place). */
    boolean isWriterThread() {
        return role.isHeldByCurrentThread() || Thread.currentThread() == thread;
    }

    /**
     * On an appending thread that may block, right after it queued an append without waking the writer thread
     * ({@code WriteQueue.putAppend(append, mayBlock, false)}): if the writer's role is free (the writer thread is
     * idle), takes it and runs the next batch here (the append just queued, and what was queued before it), so the
     * append is committed without a hand-off to the writer thread, which would first have to wake and get a core;
     * its events reach the commit listeners on this thread. If the role is taken, wakes the writer thread and
     * returns at once: it commits the append as before. Whatever one batch leaves queued is the writer thread's too
     * (woken for it), so an appender never works for long on others' behalf, and nothing queued is left unseen.
     */
    void commitQueuedIfIdle() {
        if (!role.tryLock()) {
            queue.wakeWriterIfQueued();
            return;
        }
        try {
            List<WriteRequest> batch = queue.pollBatch(BATCH_MAX_DRAFTS);
            if (!batch.isEmpty()) {
                runBatch(batch);
            }
        } catch (RuntimeException e) {
            stop(e); // as the writer thread would: the appender's own future is failed or completed by then
        } catch (Error e) {
            stop(e);
            throw e;
        } finally {
            role.unlock();
            queue.wakeWriterIfQueued();
        }
    }

    void addListener(Consumer<List<UniversalEvent>> listener) {
        listeners.add(listener);
    }

    /**
     * Runs a synchronous write in its own transaction after the appends queued before it, and waits for it. On the
     * writer thread itself (a future callback or listener calling the store) it runs at once: queueing would wait
     * for this very thread.
     */
    <T> T execute(String description, WriteTask<T> work) {
        return execute(description, work, false);
    }

    /** @param essential run even while the disk is full (see {@link Headroom}) instead of being refused untried */
    <T> T execute(String description, WriteTask<T> work, boolean essential) {
        if (isWriterThread()) {
            if (!mayWrite(essential)) {
                throw refused(description);
            }
            return runInTransaction(description, work);
        }
        WriteRequest.Task<T> task = new WriteRequest.Task<>(description, work, new CompletableFuture<>(), essential);
        queue.putTask(task);
        try {
            return task.result().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw new StoreException("could not " + description + ": " + e.getCause(), e.getCause());
        }
    }

    /** Waits until the writer has drained the (closed) queue and stopped. */
    void awaitStopped() {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true; // keep waiting: returning early would close the connection under the writer
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Closes the write connection; only once the writer has stopped. */
    void closeConnection() {
        role.lock(); // an appending thread may still be committing in the writer's place (none can start: closed)
        try {
            checkpointer.stop();
            if (statements != null) {
                statements.close();
            }
            if (connection != null) {
                StoreDatabase.closeQuietly(connection);
            }
        } finally {
            role.unlock();
        }
    }

    /** What the WAL holds, as the last checkpoint found it (any thread): see {@link Checkpointer#walContentBytes}. */
    long walContentBytes() {
        return checkpointer.walContentBytes();
    }

    boolean diskFull() {
        return headroom.full() || connection == null;
    }

    /** The file is damaged (see {@link IntegrityCheck}): refuse every write from now on, essential ones too. */
    void markCorrupt(String finding) {
        corruption = finding;
    }

    String corruption() {
        return corruption;
    }

    /** The failure of a write that {@link #mayWrite} refused. */
    private StoreException refused(String what) {
        String found = corruption;
        return found != null ? new StoreException("database file is corrupt: could not " + what + ". " + found)
                : StoreFailures.refusedWhileFull(what, file);
    }

    private void run() {
        StoreException leftOver = StoreFailures.closed();
        try {
            while (queue.awaitWork()) {
                role.lock();
                try {
                    List<WriteRequest> batch;
                    while (!(batch = queue.pollBatch(BATCH_MAX_DRAFTS)).isEmpty()) {
                        runBatch(batch);
                    }
                } finally {
                    role.unlock();
                }
            }
        } catch (InterruptedException e) {
            leftOver = new StoreException("the store's writer thread was interrupted", e);
        } catch (RuntimeException | Error e) {
            leftOver = stopped(e);
        } finally {
            failQueued(leftOver);
        }
    }

    private void runBatch(List<WriteRequest> batch) {
        if (batch.get(0) instanceof WriteRequest.Task<?> task) {
            runQueued(task);
        } else {
            commitAppends(batch.stream().map(WriteRequest.Append.class::cast).toList());
        }
        checkpointIfTheWalIsLarge();
    }

    /** An unexpected failure of the writer's work, on any thread: no further write is taken, none left waiting. */
    private void stop(Throwable e) {
        failQueued(stopped(e));
    }

    private static StoreException stopped(Throwable e) {
        LOG.log(Level.SEVERE, "the session store's writer stopped", e);
        return new StoreException("the store's writer stopped after an unexpected error: " + e, e);
    }

    private void failQueued(StoreException leftOver) {
        // Nothing may wait forever on a future the writer will never complete.
        for (WriteRequest request : queue.closeAndDrain()) {
            if (request instanceof WriteRequest.Append append) {
                append.result().completeExceptionally(leftOver);
            } else if (request instanceof WriteRequest.Task<?> task) {
                task.result().completeExceptionally(leftOver);
            }
        }
    }

    private <T> void runQueued(WriteRequest.Task<T> task) {
        if (!mayWrite(task.essential())) {
            headroom.refused(0);
            task.result().completeExceptionally(refused(task.description()));
            return;
        }
        try {
            task.result().complete(runInTransaction(task.description(), task.work()));
        } catch (RuntimeException e) {
            task.result().completeExceptionally(e);
        }
    }

    private <T> T runInTransaction(String description, WriteTask<T> work) {
        try {
            return transact(work);
        } catch (SQLException e) {
            if (StoreFailures.isDiskFull(e)) {
                headroom.diskFull(file, description);
            }
            throw StoreFailures.failed(description, e, file);
        }
    }

    /**
     * Whether to try a write now. While the disk is full only essential writes are tried, on the space the reserve
     * freed; the others are refused untried, so they cannot use that space up. Each refusal first checks whether
     * space returned (cheap unless it did: then the reserve is made again and the WAL checkpointed and truncated).
     */
    private boolean mayWrite(boolean essential) {
        if (corruption != null) {
            return false;
        }
        if (diskFull()) {
            recoverIfSpaceReturned();
        }
        if (connection == null) {
            return false;
        }
        return essential || !headroom.full();
    }

    private void recoverIfSpaceReturned() {
        if (!headroom.ensureReserve()) {
            return;
        }
        if (connection == null) {
            try {
                connection = reopen.get();
            } catch (RuntimeException e) {
                // Still no room for what opening writes, despite the reserve: give that space back and stay read-only.
                headroom.releaseForOpen();
                return;
            }
        }
        // Take back the space the WAL grew into: checkpoint everything and truncate it to nothing.
        try (Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        } catch (SQLException e) {
            LOG.fine("could not checkpoint the WAL after the disk was full: " + e.getMessage());
        }
        headroom.spaceReturned(file);
    }

    /**
     * The writer's own checkpoint, once the WAL file has passed {@link Checkpointer#WAL_LIMIT_BYTES}: between two
     * commits, so it copies every frame and the next transaction starts the WAL over (and truncates it). Most frames
     * are usually copied already. While the checkpointer is copying, this one finds the checkpoint lock taken and
     * returns at once (PASSIVE never waits): it is tried again after the next commit; past one and a half times the
     * limit it waits for the checkpointer's round to end. If it ran and the WAL still
     * could not start over (a reader holding an old snapshot), the next try waits for another quarter of the limit.
     * The size is read at most every {@link #WAL_SIZE_READ_INTERVAL_NANOS}.
     */
    private void checkpointIfTheWalIsLarge() {
        long now = System.nanoTime();
        if (now - nextWalSizeReadNanos < 0) {
            return;
        }
        nextWalSizeReadNanos = now + WAL_SIZE_READ_INTERVAL_NANOS;
        long walBytes = checkpointer.walBytes();
        if (walBytes <= Checkpointer.WAL_LIMIT_BYTES) {
            nextCatchUpBytes = 0;
            return;
        }
        if (walBytes < nextCatchUpBytes || connection == null) {
            return;
        }
        if (walBytes > Checkpointer.WAL_LIMIT_BYTES + Checkpointer.WAL_LIMIT_BYTES / 2) {
            // Runaway (a stream faster than the checkpointer's rounds): wait for its round to end, the bound.
            checkpointer.afterRound(() -> catchUp(walBytes));
        } else {
            catchUp(walBytes);
        }
    }

    private void catchUp(long walBytes) {
        try (Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
            boolean answered = result.next();
            if (answered && result.getInt(1) == 0) { // ran (not busy): what it found tells the removals' pacing
                checkpointer.checkpointed(result.getLong(2), result.getLong(3));
            }
            if (!answered || result.getInt(1) == 0) {
                nextCatchUpBytes = walBytes + Checkpointer.WAL_LIMIT_BYTES / 4;
            }
        } catch (SQLException e) {
            nextCatchUpBytes = walBytes + Checkpointer.WAL_LIMIT_BYTES / 4;
            LOG.fine("could not checkpoint the WAL: " + e.getMessage());
        }
    }

    private void commitAppends(List<WriteRequest.Append> all) {
        List<WriteRequest.Append> appends = all;
        if (diskFull() || corruption != null) {
            List<WriteRequest.Append> tried = new java.util.ArrayList<>();
            for (WriteRequest.Append append : all) {
                if (mayWrite(append.essential())) {
                    tried.add(append);
                } else {
                    headroom.refused(append.drafts().size());
                    append.result().completeExceptionally(refused("store "
                            + append.drafts().size() + (append.drafts().size() == 1 ? " event" : " events")
                            + " of session '" + append.sessionId() + "'"));
                }
            }
            appends = tried;
        }
        AppendBatch batch = AppendBatch.prepare(appends, sequences, encoder);
        if (batch.hasEvents()) {
            try {
                transact(tx -> {
                    batch.write(statements(), System.currentTimeMillis());
                    return null;
                });
            } catch (SQLException | RuntimeException e) {
                if (StoreFailures.isDiskFull(e)) {
                    // Logged once per episode, with a count when it ends: not once per lost batch.
                    headroom.diskFull(file, "store a batch of " + batch.eventCount() + " events");
                    headroom.refused(batch.eventCount());
                } else {
                    // Counts only: the events themselves may hold secrets.
                    LOG.warning("could not store a batch of " + batch.eventCount() + " events: "
                            + StoreFailures.kind(e) + " (" + e.getMessage() + ")");
                }
                batch.fail(e, file);
                return;
            }
            batch.committed(sequences);
        }
        batch.complete();
        if (batch.hasEvents()) {
            notifyListeners(batch.events());
        }
    }

    /** Runs {@code work} between BEGIN IMMEDIATE and COMMIT, rolling back if anything fails. */
    private <T> T transact(WriteTask<T> work) throws SQLException {
        Transaction transaction = new Transaction(connection);
        KeptStatements kept = statements();
        T result;
        try {
            kept.get("BEGIN IMMEDIATE").execute();
            result = work.run(transaction);
            kept.get("COMMIT").execute();
            checkpointer.committed();
        } catch (SQLException | RuntimeException e) {
            kept.close(); // a failed statement may be finalized or half-stepped: prepare them all afresh
            StoreDatabase.rollbackQuietly(connection);
            throw e;
        }
        transaction.committed();
        return result;
    }

    /** The kept statements of the current write connection (it changes when a read-only start ends). */
    private KeptStatements statements() {
        if (statements == null || statements.connection() != connection) {
            if (statements != null) {
                statements.close();
            }
            statements = new KeptStatements(connection);
        }
        return statements;
    }

    private void notifyListeners(List<UniversalEvent> events) {
        for (Consumer<List<UniversalEvent>> listener : listeners) {
            try {
                listener.accept(events);
            } catch (RuntimeException e) {
                // One broken subscriber must not keep the others, or the next commit, from their events.
                LOG.log(Level.WARNING, "a commit listener failed", e);
            }
        }
    }
}
