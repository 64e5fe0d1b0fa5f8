package dev.sandboxagent.store.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Logger;

/**
 * Syncs the WAL and copies its pages into the database file on a thread and connection of its own, so that the
 * writer's commits never do it: the writer's connection has {@code wal_autocheckpoint=0}. SQLite's automatic
 * checkpoint ran inside the COMMIT that took the WAL past 1,000 pages, on the writer thread, copying 4 MB and syncing
 * two files while every append queued behind it waited (the commits that did it were the store's latency tail).
 *
 * <p>At most {@link #INTERVAL_MILLIS} after a commit (the writer calls {@link #committed()}, which costs two volatile
 * accesses) a round runs here. With {@code synchronous=NORMAL} on the writer, the round is what syncs the WAL to the
 * disk, so it bounds what a power cut can take to the commits of about the last interval; a kill -9 of the process
 * takes nothing that was committed. A round syncs the WAL in every case; it also copies it into the database (a
 * PASSIVE checkpoint, which never blocks the writer or a reader, and syncs the WAL before copying and the database
 * after) only when the commits have paused for an interval or the WAL file has passed {@link #COPY_BYTES}. Not at
 * every round: once a checkpoint has copied every frame, the writer's next commit starts the WAL over and, in doing
 * so, syncs the WAL's new header on the writer's thread (SQLite's wal.c, so that no frame of the new round can reach
 * the disk before it), 1-20 ms while every session's appends wait. Copying at every round under a steady trickle of
 * commits put that sync on the writer's path up to ten times a second: the latency scenario's tail
 * (docs/benchmarks.md "Latency, session 10"). While commits keep coming, a round that only synced comes back an
 * interval later, so the copy follows the first pause.
 *
 * <p><b>The bound on the WAL.</b> SQLite starts the WAL over from its beginning only when a write transaction begins
 * with every frame already copied, and under a steady stream this thread's checkpoint rarely finishes between two
 * commits, so the file would grow as long as the stream lasts. Once the WAL file is larger than {@link
 * #WAL_LIMIT_BYTES}, the writer runs a PASSIVE checkpoint itself between two commits (see {@code
 * StoreWriter.checkpointIfTheWalIsLarge}), which has only the frames committed since this thread's last copy to
 * move, and its next transaction then starts the WAL over ({@code journal_size_limit} truncates the file). That
 * checkpoint does not wait while this thread is copying (it is tried again after the next commit), unless the WAL
 * has passed one and a half times the limit: then the writer waits for the end of this thread's round, which is
 * the bound. A reader that holds an old snapshot can still delay the restart, as with SQLite's own checkpoints.
 */
final class Checkpointer {
    private static final Logger LOG = Logger.getLogger(Checkpointer.class.getName());
    static final long INTERVAL_MILLIS = 100;
    /** 16 MiB: four times SQLite's automatic checkpoint threshold (1,000 pages), as the writer's catch-up is rare. */
    static final long WAL_LIMIT_BYTES = 16L * 1024 * 1024;
    /**
     * 4 MiB, SQLite's automatic checkpoint threshold (1,000 pages of 4 KiB): the WAL size from which a round copies
     * the WAL although commits keep coming. The WAL restarts (and the writer syncs its header) at most about once
     * per 3 MiB written, as {@code journal_size_limit} truncates it to 1 MiB when it starts over.
     */
    static final long COPY_BYTES = 4L * 1024 * 1024;

    private final Path file;
    private final Path wal;
    private final long intervalNanos;
    private final Thread thread = new Thread(this::run, "session-store-checkpointer");
    private volatile boolean pending;
    /** Commits so far; the writer is the only thread that writes it (see {@link #committed()}). */
    private volatile long commits;
    private volatile boolean stopped;
    /** Held while this thread checkpoints, so the writer can wait for the end of a round (see {@link #afterRound}). */
    private final java.util.concurrent.locks.ReentrantLock round = new java.util.concurrent.locks.ReentrantLock();
    private Connection connection;

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

    /** Called by the writer after each commit: schedules a round unless one is scheduled already. */
    void committed() {
        commits++; // one writing thread: a plain read and write of the volatile lose nothing
        if (!pending) {
            pending = true;
            LockSupport.unpark(thread);
        }
    }

    /** The WAL file's size now (a stat: cheap enough for every commit), 0 if there is none. */
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
                // Let the commits of one interval share a round (and its syncs).
                long commitsBefore = commits;
                long until = System.nanoTime() + intervalNanos;
                for (long left = intervalNanos; left > 0 && !stopped; left = until - System.nanoTime()) {
                    LockSupport.parkNanos(this, left);
                }
                pending = false;
                boolean stillCommitting = commits != commitsBefore;
                afterRound(() -> round(stillCommitting));
            }
        } finally {
            if (connection != null) {
                StoreDatabase.closeQuietly(connection);
            }
        }
    }

    /**
     * Syncs the WAL, and copies it unless commits keep coming into a WAL still under {@link #COPY_BYTES} (see the
     * class comment): then this round only syncs and another one follows an interval later.
     */
    private void round(boolean stillCommitting) {
        if (stillCommitting && walBytes() < COPY_BYTES && syncWal()) {
            pending = true;
        } else {
            checkpoint();
        }
    }

    /**
     * fsync of the WAL file: every commit written to it before this call survives a power cut. Its header was synced
     * when it started over, as SQLite's own syncs assume. False if it could not sync (the round then checkpoints,
     * which syncs through SQLite).
     */
    private boolean syncWal() {
        try (FileChannel channel = FileChannel.open(wal, StandardOpenOption.READ)) {
            channel.force(true);
            return true;
        } catch (NoSuchFileException e) {
            return true; // no WAL: nothing committed that is not in the database file already
        } catch (IOException e) {
            LOG.fine("could not sync the WAL of " + file + ": " + e.getMessage());
            return false;
        }
    }

    private void checkpoint() {
        try {
            if (connection == null) {
                connection = StoreDatabase.openCheckpointer(file);
            }
            try (Statement statement = connection.createStatement()) {
                statement.execute("PRAGMA wal_checkpoint(PASSIVE)");
            }
        } catch (SQLException | RuntimeException e) {
            // A full disk, or the store being closed under it: the next round tries again.
            LOG.fine("background checkpoint of " + file + " failed: " + e.getMessage());
        }
    }
}
