package dev.sandboxagent.agents.pty;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Where pty4j unpacks its native library ({@code libpty.so}). pty4j copies the library out of its own jar (plain
 * classpath or shaded fat jar alike: the shade plugin keeps {@code resources/com/pty4j/native/**} and does not
 * relocate {@code com.pty4j}). Left to itself, every JVM unpacks into a fresh {@code $TMPDIR/pty4j-<os>-<arch>-<random>}
 * directory that is never removed (measured: one more per run, 129 after a day of test runs here).
 *
 * <p>So, unless {@link #DIRECTORY_PROPERTY} is set already (for example {@code -Dpty4j.tmpdir=...} for a
 * {@code /tmp} mounted {@code noexec}), the first terminal of a JVM gets a private directory for the library, and
 * once that terminal has started, the library is loaded and mapped, and the directory is removed: Linux keeps a
 * loaded library's pages after its file is deleted, and pty4j loads it once per JVM.
 *
 * <p>JNA, which pty4j loads in that same start, unpacks its own {@code libjnidispatch.so} the same way into
 * {@code $XDG_CACHE_HOME/JNA/temp} (else {@code ~/.cache/JNA/temp}): directories of the user's that the server made
 * readable by everyone (0755), outside its data directory. Unless {@code jna.tmpdir} is set already, it gets a
 * private directory of its own for the first terminal's start, removed likewise, and the setting is cleared after it
 * so that nothing later unpacks into a directory that is gone.
 */
public final class PtyNatives {
    private static final System.Logger LOG = System.getLogger(PtyNatives.class.getName());
    /** pty4j's own system property: a parent directory for the unpacked natives. */
    public static final String DIRECTORY_PROPERTY = "pty4j.tmpdir";

    /** pty4j's logger of the unpacking, through SLF4J and java.util.logging (slf4j-jdk14). */
    private static final String EXTRACTION_LOGGER = "com.pty4j.util.ExtractedNative";

    /** JNA's own system property: where it unpacks its native library. */
    private static final String JNA_DIRECTORY_PROPERTY = "jna.tmpdir";

    private static Path privateDirectory; // pty4j's; guarded by PtyNatives.class
    private static Path jnaDirectory; // guarded by PtyNatives.class
    private static boolean loaded; // guarded by PtyNatives.class
    /** Held here once its level is set: java.util.logging keeps loggers weakly, and a collected one forgets it. */
    private static java.util.logging.Logger extractionLog; // guarded by PtyNatives.class

    private PtyNatives() {
    }

    /**
     * Makes pty4j unpack into {@code directory} (created if missing) and keep it. Call before the first terminal
     * starts; a value already set wins.
     */
    public static void extractInto(Path directory) throws IOException {
        Files.createDirectories(directory);
        if (System.getProperty(DIRECTORY_PROPERTY) == null) {
            System.setProperty(DIRECTORY_PROPERTY, directory.toAbsolutePath().toString());
        }
    }

    /**
     * Before a terminal starts: the first time, points pty4j and JNA at private directories unless they are
     * configured.
     */
    static synchronized void beforeStart() {
        quietTheUnpackingNotice();
        if (loaded) {
            return;
        }
        if (privateDirectory == null && System.getProperty(DIRECTORY_PROPERTY) == null) {
            privateDirectory = privateDirectoryFor(DIRECTORY_PROPERTY, "sandbox-agent-pty4j-");
        }
        // "jna.loaded": JNA has its library already (some other code of this JVM used it first)
        if (jnaDirectory == null && System.getProperty(JNA_DIRECTORY_PROPERTY) == null
                && System.getProperty("jna.loaded") == null) {
            jnaDirectory = privateDirectoryFor(JNA_DIRECTORY_PROPERTY, "sandbox-agent-jna-");
        }
    }

    /** A new 0700 directory named in {@code property}; null, and the library's own choice, when none can be made. */
    private static Path privateDirectoryFor(String property, String prefix) {
        try {
            Path directory = Files.createTempDirectory(prefix,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            System.setProperty(property, directory.toString());
            return directory;
        } catch (IOException | UnsupportedOperationException e) {
            LOG.log(Level.DEBUG, "no private directory for " + property + "; the library picks its own", e);
            return null;
        }
    }

    /**
     * pty4j says "Extracted pty4j native in N ms" at INFO when a JVM's first terminal starts. An operator needs nothing
     * from it, and as a server's first log record it loads java.util.logging's formatter (the time zones, the levels'
     * bundle, a stack walk for the caller) on the first session's way (docs/benchmarks.md "The first session's log
     * record, session 18"). Its warnings still show, and a level configured for it or a parent is kept.
     */
    private static void quietTheUnpackingNotice() {
        if (extractionLog != null) {
            return;
        }
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(EXTRACTION_LOGGER);
        boolean configured = false;
        for (java.util.logging.Logger l = log; l != null && l.getParent() != null; l = l.getParent()) {
            configured |= l.getLevel() != null; // the root logger's own level is the default, not a choice
        }
        if (!configured) {
            log.setLevel(java.util.logging.Level.WARNING);
        }
        extractionLog = log;
    }

    /** After a terminal started: the libraries are loaded, so their private copies can go. */
    static synchronized void afterStart() {
        if (loaded) {
            return;
        }
        loaded = true;
        remove(privateDirectory);
        if (jnaDirectory != null) {
            if (jnaDirectory.toString().equals(System.getProperty(JNA_DIRECTORY_PROPERTY))) {
                System.clearProperty(JNA_DIRECTORY_PROPERTY);
            }
            remove(jnaDirectory);
        }
    }

    private static void remove(Path directory) {
        if (directory == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "could not remove " + directory, e);
        }
    }
}
