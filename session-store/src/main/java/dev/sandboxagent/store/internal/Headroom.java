package dev.sandboxagent.store.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Space the store keeps for itself on a disk that fills up: a file of {@link #RESERVE_BYTES} real (not sparse)
 * bytes, {@code sessions.reserve}, deleted the moment a write fails for lack of space, so that what the store must
 * still write (a session's error and the end of the turn the full disk cut short) fits; and created again, which
 * proves the space is back, before ordinary writes resume. Only the writer thread uses it.
 */
final class Headroom {
    private static final Logger LOG = Logger.getLogger(Headroom.class.getName());
    /** Room for many small commits: each needs a few WAL frames (4 KiB pages) and some shared memory. */
    static final int RESERVE_BYTES = 1024 * 1024;
    /** Free space beyond the reserve before writes resume: enough that the first commits do not fill it at once. */
    private static final int SLACK_BYTES = 256 * 1024;
    /** The reserve is written in pieces of this size (see {@link #ensureReserve}); RESERVE_BYTES is a multiple. */
    private static final int CHUNK_BYTES = 16 * 1024;

    private final Path reserve;
    private volatile boolean full;
    private long refusedEvents;
    private long refusedWrites;

    Headroom(Path reserve) {
        this.reserve = reserve;
    }

    /** True from the first write that failed for lack of space until the reserve could be made again. */
    boolean full() {
        return full;
    }

    /** Makes the reserve if it is missing. False (and nothing left behind) when there is no room for it. */
    boolean ensureReserve() {
        if (Files.isRegularFile(reserve)) {
            try {
                if (Files.size(reserve) >= RESERVE_BYTES) {
                    return true;
                }
            } catch (IOException e) {
                // unreadable: write it again below
            }
        }
        try {
            if (reserve.getFileSystem().provider().getFileStore(reserve.getParent()).getUsableSpace()
                    < RESERVE_BYTES + SLACK_BYTES) {
                return false; // clearly not there yet: no need to write a megabyte to find out
            }
        } catch (IOException e) {
            // cannot ask: just try
        }
        Path partial = reserve.resolveSibling(reserve.getFileName() + ".tmp");
        try {
            Files.deleteIfExists(partial);
            try (FileChannel channel = FileChannel.open(partial, Set.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")))) {
                // Bytes that do not compress, written for real: a sparse or compressed file would reserve nothing.
                // In chunks, each new random bytes: a channel writes a heap buffer through a temporary direct buffer
                // of its size that the JDK keeps for the writing thread while it lives, so one 1 MiB write left a
                // megabyte resident on the server's main thread, and its 1 MiB array went straight to the old
                // generation of a 2 MB young one (docs/benchmarks.md "Idle RSS, session 11").
                Random random = new Random(RESERVE_BYTES);
                byte[] chunk = new byte[CHUNK_BYTES];
                ByteBuffer buffer = ByteBuffer.wrap(chunk);
                for (int written = 0; written < RESERVE_BYTES; written += CHUNK_BYTES) {
                    random.nextBytes(chunk);
                    buffer.clear();
                    while (buffer.hasRemaining()) {
                        channel.write(buffer);
                    }
                }
                channel.force(true);
            }
            Files.move(partial, reserve, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException e) {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // the next attempt deletes it first
            }
            return false;
        }
    }

    /**
     * A write failed for lack of space: releases the reserve (the first time of an episode) and logs the episode
     * once. Returns true if this started the episode.
     */
    boolean diskFull(Path file, String what) {
        if (full) {
            return false;
        }
        full = true;
        refusedEvents = 0;
        refusedWrites = 0;
        boolean released;
        try {
            released = Files.deleteIfExists(reserve);
        } catch (IOException e) {
            released = false;
        }
        LOG.warning("disk full: could not " + what + " in " + file + "; "
                + (released ? "released the " + (RESERVE_BYTES / 1024) + " KiB reserve so that sessions can record"
                + " how they stopped" : "no reserve was left to release")
                + ". Other writes are refused until space returns (logged once per episode).");
        return true;
    }

    /** Counts a write refused during the episode, for the log line that ends it. */
    void refused(int events) {
        refusedWrites++;
        refusedEvents += events;
    }

    /** The episode is over (the reserve was made again): logs it with what was refused. */
    void spaceReturned(Path file) {
        full = false;
        LOG.info("disk space is back for " + file + ": writes resume; while it was full " + refusedEvents
                + " event(s) in " + refusedWrites + " write(s) were refused");
    }

    /** Deletes the reserve, when the store could not even open without its space. */
    boolean releaseForOpen() {
        try {
            return Files.deleteIfExists(reserve);
        } catch (IOException e) {
            return false;
        }
    }

    void markFull() {
        full = true;
    }
}
