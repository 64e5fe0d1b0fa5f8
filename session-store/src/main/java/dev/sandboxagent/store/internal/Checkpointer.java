package dev.sandboxagent.store.internal;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Logger;

/**
 * Copies the WAL's pages into the database file on a thread and connection of its own, so that the writer's commits
 * never do it: the writer's connection has {@code wal_autocheckpoint=0}. SQLite's automatic checkpoint ran inside the
 * COMMIT that took the WAL past 1,000 pages, on the writer thread, copying 4 MB and syncing two files while every
 * append queued behind it waited (the commits that did it were the store's latency tail).
 *
 * <p>At most {@link #INTERVAL_MILLIS} after a commit (the writer calls {@link #committed()}, which costs a volatile
 * read), a PASSIVE checkpoint runs here: it never blocks the writer or a reader. With {@code synchronous=NORMAL} on
 * the writer, this checkpoint is also what syncs the WAL to the disk, so it bounds what a power cut can take to the
 * commits of about the last interval; a kill -9 of the process takes nothing that was committed.
 *
 * <p><b>The bound on the WAL.</b> SQLite starts the WAL over from its beginning only when a write transaction begins
 * with every frame already copied, and under a steady stream this thread's checkpoint rarely finishes between two
 * commits, so the file would grow as long as the stream lasts. Once the WAL file is larger than {@link
 * #WAL_LIMIT_BYTES}, the writer runs a PASSIVE checkpoint itself between two commits (see {@code
 * StoreWriter.checkpointIfTheWalIsLarge}), which has only the frames committed since this thread's last copy to
 * move, and its next transaction then starts the WAL over ({@code journal_size_limit}, this bound, truncates what
 * the file holds past it). That
 * checkpoint does not wait while this thread is copying (it is tried again after the next commit), unless the WAL
 * has passed one and a half times the limit: then the writer waits for the end of this thread's round, which is
 * the bound. A reader that holds an old snapshot can still delay the restart, as with SQLite's own checkpoints.
 */
final class Checkpointer {
    private static final Logger LOG = Logger.getLogger(Checkpointer.class.getName());
    static final long INTERVAL_MILLIS = 100;
    /** 16 MiB: four times SQLite's automatic checkpoint threshold (1,000 pages), as the writer's catch-up is rare. */
    static final long WAL_LIMIT_BYTES = 16L * 1024 * 1024;

    private final Path file;
    private final Path wal;
    private final long intervalNanos;
    private final Thread thread = new Thread(this::run, "session-store-checkpointer");
    private volatile boolean pending;
    private volatile boolean stopped;
    /** Held while this thread checkpoints, so the writer can wait for the end of a round (see {@link #afterRound}). */
    private final java.util.concurrent.locks.ReentrantLock round = new java.util.concurrent.locks.ReentrantLock();
    private Connection connection;
    /** A WAL frame: a page and its 24-byte header (the page size is read when this thread's connection opens). */
    private volatile long frameBytes = 4096 + 24;
    private volatile long walContentBytes = -1;

    Checkpointer(Path file) {
        this.file = file;
        this.wal = file.resolveSibling(file.getFileName() + "-wal");
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(INTERVAL_MILLIS);
        // Daemon: a checkpoint is never owed to anyone; closing the last connection checkpoints the rest.
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Called by the writer after each commit: schedules a checkpoint unless one is scheduled already. */
    void committed() {
        if (!pending) {
            pending = true;
            LockSupport.unpark(thread);
        }
    }

    /**
     * What the WAL holds that a commit has not yet started over, as the last checkpoint (this thread's or the
     * writer's) found it: up to an interval old. Not the file's size, which stays at up to {@link #WAL_LIMIT_BYTES}
     * after the WAL starts over ({@code journal_size_limit}, see StoreDatabase). A WAL whose every frame was copied
     * counts as empty: the next commit starts it over. Before the first checkpoint, the file's size.
     */
    long walContentBytes() {
        long bytes = walContentBytes;
        return bytes < 0 ? walBytes() : bytes;
    }

    /** Records what a checkpoint found: SQLite's {@code log} and {@code checkpointed} frame counts. */
    void checkpointed(long logFrames, long checkpointedFrames) {
        walContentBytes = logFrames <= checkpointedFrames ? 0 : logFrames * frameBytes;
    }

    /** The WAL file's size now (a stat of its path; the writer reads it at most every 5 ms), 0 if there is none. */
    long walBytes() {
        try {
            return java.nio.file.Files.size(wal);
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    /** Runs {@code work} once this thread is between two checkpoints (at once if it is already), keeping it there. */
    void afterRound(Runnable work) {
        round.lock();
        try {
            work.run();
        } finally {
            round.unlock();
        }
    }

    /** Stops the thread and closes its connection; returns once it has. */
    void stop() {
        stopped = true;
        LockSupport.unpark(thread);
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
        try {
            while (!stopped) {
                if (!pending) {
                    LockSupport.park(this);
                    continue;
                }
                // Let the commits of one interval share a checkpoint (and its two syncs).
                long until = System.nanoTime() + intervalNanos;
                for (long left = intervalNanos; left > 0 && !stopped; left = until - System.nanoTime()) {
                    LockSupport.parkNanos(this, left);
                }
                pending = false;
                afterRound(this::checkpoint);
            }
        } finally {
            if (connection != null) {
                StoreDatabase.closeQuietly(connection);
            }
        }
    }

    private void checkpoint() {
        try {
            if (connection == null) {
                connection = StoreDatabase.openCheckpointer(file);
                try (Statement statement = connection.createStatement();
                     ResultSet pageSize = statement.executeQuery("PRAGMA page_size")) {
                    if (pageSize.next()) {
                        frameBytes = pageSize.getLong(1) + 24;
                    }
                }
            }
            try (Statement statement = connection.createStatement();
                 ResultSet result = statement.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
                if (result.next() && result.getInt(1) == 0) {
                    checkpointed(result.getLong(2), result.getLong(3));
                }
            }
        } catch (SQLException | RuntimeException e) {
            // A full disk, or the store being closed under it: the next round tries again.
            LOG.fine("background checkpoint of " + file + " failed: " + e.getMessage());
        }
    }
}
