package dev.sandboxagent.agents.pty;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where pty4j unpacks its native library ({@code libpty.so}). pty4j needs no setting to work: it copies the
 * library out of its own jar, from a plain classpath or from a shaded fat jar alike (the shade plugin must keep the
 * {@code resources/com/pty4j/native/**} entries and must not relocate {@code com.pty4j}). By default, though, every
 * JVM unpacks into a fresh {@code $TMPDIR/pty4j-<os>-<arch>-<random>} directory that is never removed (measured:
 * one more per run). A long-lived server should call {@link #extractInto} once at start-up with a directory of its
 * own; pty4j then reuses it and refreshes the files only when the jar's differ. A {@code /tmp} mounted
 * {@code noexec} needs the same call, since the library is loaded from there.
 */
public final class PtyNatives {
    /** pty4j's own system property: a parent directory for the unpacked natives, reused across runs. */
    public static final String DIRECTORY_PROPERTY = "pty4j.tmpdir";

    private PtyNatives() {
    }

    /**
     * Makes pty4j unpack into {@code directory} (created if missing). Call before the first terminal starts; a
     * value already set (for example with {@code -Dpty4j.tmpdir=...}) wins.
     */
    public static void extractInto(Path directory) throws IOException {
        Files.createDirectories(directory);
        if (System.getProperty(DIRECTORY_PROPERTY) == null) {
            System.setProperty(DIRECTORY_PROPERTY, directory.toAbsolutePath().toString());
        }
    }
}
