package dev.sandboxagent.store.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.LibraryLoaderUtil;

/**
 * Loads sqlite-jdbc's native library before the first connection, faster than sqlite-jdbc does by itself.
 *
 * <p>Left to itself, sqlite-jdbc copies the library (1.1 MB) out of the jar into {@code $TMPDIR} under a fresh name
 * every time a JVM starts, then compares the copy with the jar's entry one byte per {@code read()} call: measured,
 * that comparison was most of the store's open time on a fresh data directory (hundreds of ms on a busy 2-core
 * machine, interpreted code at start-up). Its copies are also left behind when the JVM halts (the server's
 * shutdown hook halts), one more per start. Here the library is copied with one bulk copy into a private (0700)
 * directory, loaded from there through sqlite-jdbc's own {@code org.sqlite.lib.path} setting, and the directory
 * removed at once: Linux keeps a loaded library mapped after its file is gone, and sqlite-jdbc loads it once per
 * JVM.
 *
 * <p>sqlite-jdbc's {@code initialize} also first lists its temp directory ({@code org.sqlite.tmpdir}, else
 * {@code java.io.tmpdir}) to delete stale copies of its own library (names {@code sqlite-<version>*} without a
 * {@code .lck} beside them): every entry of a shared {@code /tmp}, thousands on a busy machine, at every start
 * (docs/benchmarks.md "Server start, session 9"). The library is not copied by sqlite-jdbc here, so that call gets
 * the private directory as its temp directory, an empty listing; an operator's own {@code org.sqlite.tmpdir} is
 * left alone.
 *
 * <p>Anything unexpected (no such resource for this platform, a temp directory we cannot write, settings of the
 * operator's own) leaves sqlite-jdbc to load the library its usual way, which is what happened before; a copy that
 * does not load makes sqlite-jdbc fall back to its own ways inside the same call, and the private directory is
 * removed with whatever that left in it.
 */
final class SqliteNative {
    private static final Logger LOG = Logger.getLogger(SqliteNative.class.getName());
    private static final String PATH_PROPERTY = "org.sqlite.lib.path";
    private static final String NAME_PROPERTY = "org.sqlite.lib.name";
    private static final String TMPDIR_PROPERTY = "org.sqlite.tmpdir";
    private static boolean attempted; // guarded by SqliteNative.class

    private SqliteNative() {
    }

    /**
     * The jar folder of this platform's library. sqlite-jdbc's own lookup ({@code OSInfo}) runs {@code uname -o} in
     * a child process at every start, to tell Android's Termux from other Linux systems: a process spawned and
     * waited for while the store opens, and a process-reaper thread left at idle (docs/benchmarks.md "Idle
     * classes"). The common servers (Linux with glibc on x86_64 or aarch64) are told here from system properties and
     * one file check; anything else (musl, another OS or architecture, an operator's architecture override) asks
     * sqlite-jdbc, as before. A wrong guess is not fatal either: sqlite-jdbc tries its own folder when this one's
     * library does not load.
     */
    static String resourceFolder() {
        String arch = switch (System.getProperty("os.arch", "")) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64" -> "aarch64";
            default -> null;
        };
        boolean plainLinux = "Linux".equals(System.getProperty("os.name"))
                && System.getProperty("org.sqlite.osinfo.architecture") == null
                && !System.getProperty("java.runtime.name", "").toLowerCase(java.util.Locale.ROOT).contains("android");
        if (arch == null || !plainLinux || Files.exists(Path.of("/lib/ld-musl-" + arch + ".so.1"))) {
            return LibraryLoaderUtil.getNativeLibResourcePath();
        }
        return "/org/sqlite/native/Linux/" + arch;
    }

    /**
     * A new directory of this process's own (0700) in the temp directory. Not {@code Files.createTempDirectory}: its
     * names come from a {@code SecureRandom}, whose first use seeds it and loads the JDK's security providers (~50
     * classes, the JVM's only use of them in a server start: docs/benchmarks.md "Server start, session 9"). A name
     * here needs no secrecy: the directory is made with {@code mkdir}, which fails on anything already there (a file,
     * a directory, a link of someone else's), so the library is only ever written into a directory this process
     * made, private from its first moment; a taken name is just retried under another.
     */
    static Path privateDirectory() throws IOException {
        Path temp = Path.of(System.getProperty("java.io.tmpdir"));
        FileAttribute<?> ownerOnly = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
        for (int attempt = 1; ; attempt++) {
            Path candidate = temp.resolve("sandbox-agent-sqlite-"
                    + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36));
            try {
                return Files.createDirectory(candidate, ownerOnly);
            } catch (FileAlreadyExistsException taken) {
                if (attempt == 10) {
                    throw taken;
                }
            }
        }
    }

    static synchronized void load() {
        if (attempted) {
            return;
        }
        attempted = true;
        if (System.getProperty(PATH_PROPERTY) != null || System.getProperty(NAME_PROPERTY) != null) {
            return; // the operator chose where the library comes from
        }
        String name = LibraryLoaderUtil.getNativeLibName();
        String resource = resourceFolder() + "/" + name;
        Path directory = null;
        boolean ourTmpdir = false;
        try (InputStream in = SQLiteJDBCLoader.class.getResourceAsStream(resource)) {
            if (in == null) {
                return;
            }
            directory = privateDirectory();
            Files.copy(in, directory.resolve(name));
            System.setProperty(PATH_PROPERTY, directory.toString());
            System.setProperty(NAME_PROPERTY, name);
            ourTmpdir = System.getProperty(TMPDIR_PROPERTY) == null;
            if (ourTmpdir) {
                System.setProperty(TMPDIR_PROPERTY, directory.toString());
            }
            SQLiteJDBCLoader.initialize();
        } catch (Exception | UnsatisfiedLinkError e) {
            LOG.log(Level.FINE, "could not load SQLite's native library from a private copy; sqlite-jdbc loads it", e);
        } finally {
            // Loaded (or not): either way sqlite-jdbc must not look at this directory again.
            System.clearProperty(PATH_PROPERTY);
            System.clearProperty(NAME_PROPERTY);
            if (ourTmpdir) {
                System.clearProperty(TMPDIR_PROPERTY);
            }
            if (directory != null) {
                remove(directory, name);
            }
        }
    }

    /**
     * Deletes the private directory. Normally it holds the copy alone. When the copy did not load, sqlite-jdbc's
     * fallback extracted a copy of its own and a {@code .lck} file into its temp directory, which was this one
     * during that call; it marks them delete-on-exit, which a JVM that halts never runs, and no later start would
     * look here: left, they were a directory with a library in it in {@code $TMPDIR} per start. Both were loaded
     * already or never will be, so they go too.
     */
    private static void remove(Path directory, String name) {
        try {
            Files.deleteIfExists(directory.resolve(name));
            try {
                Files.deleteIfExists(directory);
            } catch (DirectoryNotEmptyException fallbackLeftItsCopy) {
                try (DirectoryStream<Path> left = Files.newDirectoryStream(directory)) {
                    for (Path entry : left) {
                        Files.deleteIfExists(entry);
                    }
                }
                Files.deleteIfExists(directory);
            }
        } catch (IOException e) {
            LOG.log(Level.FINE, "could not remove " + directory, e);
        }
    }
}
