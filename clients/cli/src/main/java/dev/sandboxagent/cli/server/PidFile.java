package dev.sandboxagent.cli.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * {@code <data dir>/server.pid}: the running server's process id, so that scripts (and the autostart tests) can
 * find and stop a server that was started in the background. Written atomically; removed on shutdown only if it
 * still names this process (a second server may have replaced it).
 */
final class PidFile {
    static final String NAME = "server.pid";

    private final Path file;
    private final long pid;

    private PidFile(Path file, long pid) {
        this.file = file;
        this.pid = pid;
    }

    static PidFile write(Path dataDir) throws IOException {
        // 0700 and 0600, as the server makes everything in its data directory (the server's own helper for this
        // is not part of its public surface).
        Files.createDirectories(dataDir,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        long pid = ProcessHandle.current().pid();
        Path file = dataDir.resolve(NAME);
        Path tmp = dataDir.resolve(NAME + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, pid + "\n");
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return new PidFile(file, pid);
    }

    void deleteIfOurs() {
        try {
            if (Files.exists(file) && Files.readString(file).strip().equals(Long.toString(pid))) {
                Files.delete(file);
            }
        } catch (IOException ignored) {
            // shutting down: a leftover pid file is harmless (the pid is checked before use)
        }
    }
}
