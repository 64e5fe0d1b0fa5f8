package dev.sandboxagent.store.internal;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Files and directories only their owner can read: the store holds transcripts. Permissions are given at creation,
 * so there is no moment when a file is readable by others; the umask can only take bits away.
 */
final class PrivateFiles {
    private PrivateFiles() {
    }

    static void createDirectories(Path directory) throws IOException {
        if (posix(directory)) {
            Files.createDirectories(directory,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectories(directory);
        }
    }

    /** An empty file, mode 0600, unless {@code file} exists already (then it is left as it is). */
    static void createFileIfAbsent(Path file) throws IOException {
        if (Files.exists(file)) {
            return;
        }
        try {
            if (posix(file)) {
                Files.createFile(file,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } else {
                Files.createFile(file);
            }
        } catch (FileAlreadyExistsException raced) {
            // created in between by someone else: as good
        }
    }

    private static boolean posix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
