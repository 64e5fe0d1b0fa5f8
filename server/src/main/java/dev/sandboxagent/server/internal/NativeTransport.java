package dev.sandboxagent.server.internal;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Builds the server's Vert.x on Netty's native epoll transport where it loads (Linux on x86_64: eventfd wake-ups,
 * edge-triggered epoll, writes from direct memory; measured in docs/benchmarks.md "Netty's native epoll transport,
 * session 14"), and on Java NIO everywhere else: another platform, a temp directory mounted {@code noexec}, or
 * {@code -Dio.netty.transport.noNative=true}. Vert.x itself falls back to NIO when the library does not load; this
 * class says which transport runs (debug level for epoll, as a quiet start publishes no log record; a record when
 * the server runs on NIO, with the reason).
 *
 * <p>Where the library goes. Netty copies it (106 KB) out of the jar into its work directory ({@code
 * io.netty.native.workdir}, by default {@code $TMPDIR}) under a fresh name, loads it and deletes the copy (Linux keeps
 * a loaded library mapped after its file is gone); a JVM stopped in between would leave the copy in a shared
 * directory. So while Vert.x is built, Netty's work directory is a new private (0700) directory of this process,
 * removed with whatever is in it once Vert.x is built. An operator's own work directory is left to Netty. (Loading a
 * private copy ourselves before Netty does was tried: the library's JNI_OnLoad initialises Netty's {@code Native},
 * which then found its methods not yet registered and loaded a second copy of its own.)
 */
final class NativeTransport {
    private static final System.Logger LOG = System.getLogger(ServerRuntime.class.getName());
    /** Netty's own setting: where it unpacks its native libraries. */
    static final String WORKDIR_PROPERTY = "io.netty.native.workdir";
    private static final String NO_NATIVE_PROPERTY = "io.netty.transport.noNative";

    private NativeTransport() {
    }

    /** Vert.x with these options, on epoll when its library loads, else on NIO; the log says which. */
    static Vertx vertx(VertxOptions options) {
        Path directory = null;
        try {
            directory = workDirectory();
            Vertx vertx = Vertx.vertx(options.setPreferNativeTransport(true));
            if (vertx.isNativeTransportEnabled()) {
                LOG.log(Level.DEBUG, "transport: Netty's native epoll");
            } else {
                Throwable cause = vertx.unavailableNativeTransportCause();
                LOG.log(Level.INFO, "transport: Java NIO (Netty's native epoll transport is not available"
                        + (cause == null ? " on this platform" : ": " + cause) + ")");
            }
            return vertx;
        } finally {
            if (directory != null) {
                System.clearProperty(WORKDIR_PROPERTY);
                remove(directory);
            }
        }
    }

    /**
     * Makes Netty unpack its library into a new private directory; returns that directory (to remove once Vert.x is
     * built), or null when Netty is left to its own ways (not Linux x86_64, the operator's settings).
     */
    private static Path workDirectory() {
        boolean linuxX64 = "Linux".equals(System.getProperty("os.name"))
                && ("amd64".equals(System.getProperty("os.arch")) || "x86_64".equals(System.getProperty("os.arch")));
        if (!linuxX64 || System.getProperty(WORKDIR_PROPERTY) != null
                || Boolean.getBoolean(NO_NATIVE_PROPERTY)) {
            return null;
        }
        try {
            Path directory = privateDirectory();
            System.setProperty(WORKDIR_PROPERTY, directory.toString());
            return directory;
        } catch (IOException | RuntimeException e) {
            // Netty unpacks into the temp directory itself, as it does without this class.
            LOG.log(Level.DEBUG, "no private directory for Netty's epoll library", e);
            return null;
        }
    }

    /**
     * A new directory of this process's own (0700) in the temp directory, named with {@code ThreadLocalRandom} (not
     * {@code Files.createTempDirectory}, whose {@code SecureRandom} is the cost avoided above): {@code mkdir} fails on
     * anything already there, so the library is only written into a directory this process made, private from its
     * first moment; a taken name is retried under another.
     */
    private static Path privateDirectory() throws IOException {
        Path temp = Path.of(System.getProperty("java.io.tmpdir"));
        FileAttribute<?> ownerOnly = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
        for (int attempt = 1; ; attempt++) {
            Path candidate = temp.resolve("sandbox-agent-netty-"
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

    /** The private directory and whatever is in it: the loaded copy, or a fallback copy of Netty's own. */
    private static void remove(Path directory) {
        try {
            try (DirectoryStream<Path> left = Files.newDirectoryStream(directory)) {
                for (Path entry : left) {
                    Files.deleteIfExists(entry);
                }
            }
            Files.deleteIfExists(directory);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "could not remove " + directory, e);
        }
    }
}
