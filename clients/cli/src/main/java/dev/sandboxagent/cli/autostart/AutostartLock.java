package dev.sandboxagent.cli.autostart;

import dev.sandboxagent.cli.common.CliException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * {@code <data dir>/autostart.lock}: held while one CLI process checks for a server and starts one, so that
 * concurrent {@code docker sandbox exec}s start exactly one. An OS file lock (not the file's existence), so a CLI
 * killed while holding it never leaves a stale lock behind.
 */
final class AutostartLock implements AutoCloseable {
    static final String FILE = "autostart.lock";
    private static final Duration POLL = Duration.ofMillis(50);

    private final FileChannel channel;
    private final FileLock lock;

    private AutostartLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Waits for the lock until the deadline (polling, since FileChannel.lock cannot time out). */
    static AutostartLock acquire(Path dataDir, Duration timeout) throws IOException {
        Path file = dataDir.resolve(FILE);
        FileChannel channel = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE,
                StandardOpenOption.WRITE), java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                FileLock lock = tryLock(channel);
                if (lock != null) {
                    return new AutostartLock(channel, lock);
                }
                if (System.nanoTime() > deadline) {
                    throw new CliException("another sandbox-agent command has been starting the server for over "
                            + timeout.toSeconds() + " s (lock " + file + " held); see "
                            + dataDir.resolve(Autostart.LOG_FILE));
                }
                Thread.sleep(POLL.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            channel.close();
            throw new CliException("interrupted while waiting for " + file);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException e) {
            return null; // another thread of this JVM holds it (in-process tests): wait like any other holder
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
