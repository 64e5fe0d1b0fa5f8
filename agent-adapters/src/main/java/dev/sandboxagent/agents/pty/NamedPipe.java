package dev.sandboxagent.agents.pty;

import com.pty4j.unix.CLibrary;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A child's stderr, carried by a named pipe (FIFO) that the terminal wrapper creates ({@code mkfifo}, coreutils like
 * {@code stty}: Java has no API for it) and redirects it into. The read end is opened non-blocking and watched by the
 * shared {@link PtyPoller}: no thread of its own. The wrapper removes the name once it has opened its write end.
 *
 * <p>The reader reads until every writer has closed the pipe. Two ways this could hang are handled by
 * {@link #finish}: the child died before it opened its end (then we open and close a write end ourselves, so the
 * reader sees the hang-up: Linux reports none on a FIFO that never had a writer), or a descendant of the child still
 * holds stderr (then the read end is closed after the drain time).
 */
final class NamedPipe {
    private static final System.Logger LOG = System.getLogger(NamedPipe.class.getName());
    /** Linux's O_NONBLOCK (x86-64 and arm64 alike); pty4j's CLibrary has no constant for it. */
    private static final int O_NONBLOCK = 0x800;
    private static final int O_RDONLY = 0;
    private static final ThreadLocal<byte[]> BUFFERS = ThreadLocal.withInitial(() -> new byte[16 * 1024]);

    private final Path directory;
    private final Path fifo;
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private final AtomicBoolean endCalled = new AtomicBoolean();
    private volatile PtyPoller.Watch watch;
    private volatile TerminalOutput output;

    private NamedPipe(Path directory, Path fifo) {
        this.directory = directory;
        this.fifo = fifo;
    }

    /** A private directory for the pipe; the wrapper makes the FIFO at {@link #path()}. */
    static NamedPipe create() throws IOException {
        Path directory = Files.createTempDirectory("sandbox-agent-pty-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        return new NamedPipe(directory, directory.resolve("stderr"));
    }

    Path path() {
        return fifo;
    }

    /** Where the wrapper makes the stdin FIFO when the program's stdin is a pipe (same private directory). */
    Path stdinPath() {
        return directory.resolve("stdin");
    }

    /**
     * Starts draining; call once the FIFO exists (the wrapper made it before printing its marker). Opening the
     * read end releases the wrapper's open of the write end.
     */
    void startReader(TerminalOutput output) {
        this.output = output;
        int fd = CLibrary.open(fifo.toString(), O_RDONLY | O_NONBLOCK);
        if (fd < 0) {
            LOG.log(Level.DEBUG, "cannot open " + fifo + " for reading, errno " + CLibrary.errno());
            end();
            return;
        }
        watch = PtyPoller.shared().watch(fd, () -> read(fd), CLibrary::close);
    }

    /** Reads what is there (a bounded amount, then lets others have their turn); false once all writers left. */
    private boolean read(int fd) {
        byte[] buffer = BUFFERS.get();
        for (int round = 0; round < 16; round++) {
            int n = CLibrary.read(fd, buffer, buffer.length);
            if (n > 0) {
                try {
                    output.accept(buffer, n);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "stderr handler failed; stderr is still drained", e);
                }
                continue;
            }
            if (n < 0) {
                int errno = CLibrary.errno();
                if (errno == CLibrary.EINTR) {
                    continue;
                }
                if (errno == CLibrary.EAGAIN) {
                    return true;
                }
                LOG.log(Level.DEBUG, "reading stderr through " + fifo + " failed, errno " + errno);
            }
            end(); // 0: every writer has closed it
            return false;
        }
        return true;
    }

    private void end() {
        if (endCalled.compareAndSet(false, true)) {
            try {
                TerminalOutput o = output;
                if (o != null) {
                    o.end();
                }
            } finally {
                ended.complete(null);
            }
        }
    }

    /** After the program exited: lets the reader drain for up to {@code drain}, then stops it. */
    void finish(Duration drain) throws InterruptedException {
        PtyPoller.Watch w = watch;
        if (w == null) {
            end();
            delete(); // the program never got as far as its marker, or the FIFO could not be opened
            return;
        }
        // If the program died before it opened its end, the FIFO never had a writer and shows no hang-up: be one.
        int writer = CLibrary.open(fifo.toString(), CLibrary.O_WRONLY | O_NONBLOCK);
        if (writer >= 0) {
            CLibrary.close(writer);
        }
        try {
            ended.get(drain.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // a descendant still holds stderr: cut it off
            try {
                PtyPoller.shared().cancel(w).get(drain.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e2) {
                LOG.log(Level.WARNING, "stderr through " + fifo + " could not be stopped", e2);
            }
            end();
        } catch (ExecutionException e) {
            // end() never fails the future
        } finally {
            delete();
        }
    }

    void delete() {
        deleteQuietly(fifo);
        deleteQuietly(stdinPath());
        deleteQuietly(directory);
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "could not delete " + path, e);
        }
    }
}
