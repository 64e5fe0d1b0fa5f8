package dev.sandboxagent.agents.pty;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A child's stderr, carried by a named pipe (FIFO) that the terminal wrapper creates ({@code mkfifo}, coreutils like
 * {@code stty}: Java has no API for it, and JNA is only a runtime dependency of pty4j) and redirects it into,
 * drained by a thread of its own. The pipe lives in a private temporary directory only until both ends are open.
 *
 * <p>The reader opens the FIFO for reading, which blocks until the child opens it for writing, and reads until
 * every writer has closed it. Two ways this could hang are handled by {@link #finish}: the child died before it
 * opened its end (then we open the FIFO read-write ourselves, which never blocks on Linux and releases the
 * reader's open), or a descendant of the child still holds stderr (then the channel is closed under the reader).
 */
final class NamedPipe {
    private static final System.Logger LOG = System.getLogger(NamedPipe.class.getName());

    private final Path directory;
    private final Path fifo;
    private final CountDownLatch opened = new CountDownLatch(1);
    private volatile FileChannel channel;
    private volatile Thread reader;

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

    /** Starts draining; call once the FIFO exists (the wrapper made it before printing its marker). */
    void startReader(String threadName, TerminalOutput output) {
        reader = new Thread(() -> read(output), threadName);
        reader.setDaemon(true);
        reader.start();
    }

    private void read(TerminalOutput output) {
        try (FileChannel in = FileChannel.open(fifo, StandardOpenOption.READ)) {
            channel = in;
            opened.countDown();
            delete(); // both ends are open now; the pipe needs no name any more
            ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
            while (in.read(buffer) >= 0) {
                try {
                    output.accept(buffer.array(), buffer.position());
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "stderr handler failed; stderr is still drained", e);
                }
                buffer.clear();
            }
        } catch (ClosedChannelException e) {
            // finish() cut a descendant's stderr off after the program exited
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "reading stderr through " + fifo + " failed", e);
        } finally {
            opened.countDown();
            output.end();
        }
    }

    /** After the program exited: lets the reader drain for up to {@code drain}, then stops it. */
    void finish(Duration drain) throws InterruptedException {
        Thread reader = this.reader;
        if (reader == null) {
            delete(); // the program never got as far as its marker
            return;
        }
        if (opened.getCount() > 0) {
            try (FileChannel writer = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                opened.await(drain.toMillis(), TimeUnit.MILLISECONDS);
            } catch (IOException e) {
                // the FIFO is gone: the reader opened it meanwhile
            }
        }
        reader.join(drain.toMillis());
        if (reader.isAlive()) {
            FileChannel in = channel;
            if (in != null) {
                try {
                    in.close();
                } catch (IOException e) {
                    LOG.log(Level.DEBUG, "closing stderr failed", e);
                }
            }
            reader.join(drain.toMillis());
        }
        delete();
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
