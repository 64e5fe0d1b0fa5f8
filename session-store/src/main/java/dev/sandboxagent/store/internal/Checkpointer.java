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
 * commits, so the file would grow as long as the stream lasts. Once a checkpoint finds more than {@link
 * #WAL_LIMIT_FRAMES} frames, it asks the writer for a catch-up ({@link #catchUpWanted()}): the writer runs a PASSIVE
 * checkpoint itself, between two commits, which only has the frames committed since this thread's last copy to move,
 * and its next transaction then restarts the WAL (and {@code journal_size_limit} truncates the file). A reader that
 * holds an old snapshot can still delay the restart, as with SQLite's own checkpoints; the next round asks again.
 */
final class Checkpointer {
    private static final Logger LOG = Logger.getLogger(Checkpointer.class.getName());
    static final long INTERVAL_MILLIS = 100;
    /** 16 MiB of 4 KiB pages: 4x SQLite's automatic checkpoint threshold, as the writer's catch-up is rare and small. */
    static final int WAL_LIMIT_FRAMES = 4_096;

    private final Path file;
    private final long intervalNanos;
    private final int limitFrames;
    private final Thread thread = new Thread(this::run, "session-store-checkpointer");
    private volatile boolean pending;
    private volatile boolean catchUp;
    private volatile boolean stopped;
    private volatile long checkpoints;
    private Connection connection;

    Checkpointer(Path file) {
        this(file, TimeUnit.MILLISECONDS.toNanos(INTERVAL_MILLIS), WAL_LIMIT_FRAMES);
    }

    Checkpointer(Path file, long intervalNanos, int limitFrames) {
        this.file = file;
        this.intervalNanos = intervalNanos;
        this.limitFrames = limitFrames;
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

    /** Whether the writer should checkpoint once itself, so that its next transaction restarts the WAL. */
    boolean catchUpWanted() {
        return catchUp;
    }

    /** The writer ran its catch-up. */
    void caughtUp() {
        catchUp = false;
    }

    /** How many checkpoints this thread has run (for tests). */
    long checkpoints() {
        return checkpoints;
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
                checkpoint();
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
            }
            try (Statement statement = connection.createStatement();
                 ResultSet result = statement.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
                // busy, frames in the WAL, frames copied into the database (-1, -1 outside WAL mode)
                if (result.next() && result.getInt(2) > limitFrames) {
                    catchUp = true;
                }
            }
            checkpoints++;
        } catch (SQLException | RuntimeException e) {
            // A full disk, or the store being closed under it: the writer's catch-up or the next round tries again.
            LOG.fine("background checkpoint of " + file + " failed: " + e.getMessage());
        }
    }
}
