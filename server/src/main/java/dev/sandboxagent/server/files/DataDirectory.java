package dev.sandboxagent.server.files;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The data directory holds transcripts, the token and the agents' homes, so it and everything in it are for this
 * user only: the directory 0700, whatever the umask. Files the server creates get 0600 (directories 0700) from the
 * moment they exist; what an agent writes inside its home keeps the agent's own modes, but sits in a 0700 directory
 * that nobody else can enter.
 */
public final class DataDirectory {
    private static final System.Logger LOG = System.getLogger(DataDirectory.class.getName());
    private static final Set<PosixFilePermission> GROUP_AND_OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
    private static final int CHANGES_SHOWN = 10;

    private DataDirectory() {
    }

    /** 0700: for directories the server creates in the data directory (umask can only take bits away from it). */
    public static FileAttribute<Set<PosixFilePermission>> privateDirectory() {
        return PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    }

    /** 0600: for files the server creates in the data directory. */
    public static FileAttribute<Set<PosixFilePermission>> privateFile() {
        return PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    }

    /** Like {@link Files#createDirectories}, with every directory it creates 0700. */
    public static Path createPrivateDirectories(Path directory) throws IOException {
        if (!supportsPosix(directory)) {
            return Files.createDirectories(directory);
        }
        return Files.createDirectories(directory, privateDirectory());
    }

    /**
     * Makes {@code dataDir} private before anything is written to it: creates it 0700, or, if it exists, is ours and
     * is open to group or others, takes group and other permissions away from it and from everything in it (logging
     * what changed), except the subtrees in {@code leaveAlone} (another program's, such as a Docker data root). A
     * directory that belongs to someone else and is open to others is refused: chmod-ing it would not make it ours.
     *
     * <p>A data directory that is already private is not walked: nobody else can enter it, so the modes below it
     * protect nothing more, and a walk costs a stat per file on every start, which grows with the installed agents
     * (node_modules trees of tens of thousands of files) and the sessions' homes. Only the repair of a directory
     * that was open (left so by an older build, or made by hand) walks it, once.
     *
     * @throws IllegalStateException with a message that says what to do, if the directory cannot be made private
     */
    public static void prepare(Path dataDir, Set<Path> leaveAlone) {
        Path dir = dataDir.toAbsolutePath().normalize();
        try {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                createPrivateDirectories(dir);
                return;
            }
            if (!supportsPosix(dir)) {
                return;
            }
            PosixFileAttributes attributes = Files.readAttributes(dir, PosixFileAttributes.class);
            long me = new com.sun.security.auth.module.UnixSystem().getUid();
            boolean open = attributes.permissions().stream().anyMatch(GROUP_AND_OTHERS::contains);
            if (uid(dir) != me) {
                if (open) {
                    throw new IllegalStateException("the data directory " + dir + " belongs to "
                            + attributes.owner().getName() + ", not to uid " + me + " who runs the server, and"
                            + " others can access it (mode " + mode(attributes.permissions()) + "). It holds"
                            + " transcripts and the token: use a data directory of your own (--data-dir), or have"
                            + " its owner run 'chmod 700 " + dir + "'");
                }
                return;
            }
            if (!open) {
                return;
            }
            List<String> changed = tighten(dir, leaveAlone.stream()
                    .map(p -> p.toAbsolutePath().normalize()).toList(), me);
            if (!changed.isEmpty()) {
                LOG.log(Level.WARNING, "the data directory " + dir + " was readable by other users; took group"
                        + " and other permissions away from " + changed.size() + " entr"
                        + (changed.size() == 1 ? "y" : "ies") + ": "
                        + String.join(", ", changed.subList(0, Math.min(CHANGES_SHOWN, changed.size())))
                        + (changed.size() > CHANGES_SHOWN ? ", ..." : ""));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot make the data directory " + dir + " private: " + e, e);
        }
    }

    private static List<String> tighten(Path dir, List<Path> leaveAlone, long me) throws IOException {
        List<String> changed = new ArrayList<>();
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                if (leaveAlone.stream().anyMatch(d::startsWith)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                if (!d.equals(dir)) {
                    restrict(d);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                // The data directory itself last: a start stopped half-way through the walk leaves it open, so the
                // next start walks again instead of taking the directory for a private one.
                if (d.equals(dir)) {
                    restrict(d);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (attrs.isRegularFile() || attrs.isOther()) { // never a symlink: chmod would follow it
                    restrict(file);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                // A file that vanished while we walked (an agent's scratch file) needs nothing.
                return FileVisitResult.CONTINUE;
            }

            private void restrict(Path path) throws IOException {
                PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class,
                        LinkOption.NOFOLLOW_LINKS);
                PosixFileAttributes attributes = view.readAttributes();
                Set<PosixFilePermission> before = attributes.permissions();
                if (uid(path) != me || before.stream().noneMatch(GROUP_AND_OTHERS::contains)) {
                    return;
                }
                Set<PosixFilePermission> after = EnumSet.copyOf(before);
                after.removeAll(GROUP_AND_OTHERS);
                view.setPermissions(after);
                changed.add((path.equals(dir) ? path.toString() : dir.relativize(path).toString()) + " "
                        + mode(before) + "->" + mode(after));
            }
        });
        return changed;
    }

    private static long uid(Path path) throws IOException {
        return ((Number) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
    }

    private static boolean supportsPosix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /** Octal, as ls and chmod speak it. */
    static String mode(Set<PosixFilePermission> permissions) {
        int bits = 0;
        for (PosixFilePermission p : permissions) {
            bits |= 1 << (8 - p.ordinal());
        }
        return String.format("0%03o", bits);
    }
}
