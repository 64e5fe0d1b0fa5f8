package dev.sandboxagent.agents.pty;

import com.pty4j.PtyProcess;
import com.pty4j.unix.CLibrary;
import com.pty4j.unix.Pollfd;
import com.pty4j.unix.UnixPtyProcess;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The writing side of a terminal: whole writes under one lock, an optional writer thread for callers that must not
 * block, and closing the terminal without getting stuck behind a write that the kernel never wakes.
 */
final class TerminalInput {
    private static final System.Logger LOG = System.getLogger(TerminalInput.class.getName());
    /** One write(2) at most this big, which bounds what {@link #close} may have to drain. */
    private static final int CHUNK = 64 * 1024;

    private final PtyProcess process;
    private final String description;
    /** One write at a time, so lines from concurrent callers never interleave. */
    private final ReentrantLock writeLock = new ReentrantLock();
    /** Guards the writer thread's creation and closing; never held during a write. */
    private final Object lifecycle = new Object();
    private volatile boolean closed;
    private ExecutorService writer; // guarded by lifecycle

    TerminalInput(PtyProcess process, String description) {
        this.process = process;
        this.description = description;
        process.getOutputStream(); // pty4j closes the terminal on destroy() if a stream was never requested
    }

    boolean isClosed() {
        return closed;
    }

    void write(byte[] bytes) throws IOException {
        writeLock.lock();
        try {
            if (!(process instanceof UnixPtyProcess unix)) {
                requireOpen();
                process.getOutputStream().write(bytes, 0, bytes.length);
                return;
            }
            // pty4j's own stream ignores the count write(2) returns, and a signal can cut a large write short.
            int fd = unix.getPty().getMasterFD();
            int offset = 0;
            while (offset < bytes.length) {
                requireOpen(); // per chunk: once closed, the descriptor's number may belong to another file
                int length = Math.min(CHUNK, bytes.length - offset);
                byte[] chunk = offset == 0 && length == bytes.length ? bytes
                        : Arrays.copyOfRange(bytes, offset, offset + length);
                int n = Libc.write(fd, chunk, length);
                if (n > 0) {
                    offset += n;
                    continue;
                }
                int errno = Libc.errno();
                if (n < 0 && (errno == CLibrary.EINTR || errno == CLibrary.EAGAIN)) {
                    Thread.onSpinWait();
                    continue;
                }
                throw new IOException("writing to the terminal of " + description + " failed, errno " + errno);
            }
        } finally {
            writeLock.unlock();
        }
    }

    CompletableFuture<Void> writeAsync(byte[] bytes, String threadName) {
        synchronized (lifecycle) {
            if (closed) {
                return CompletableFuture.failedFuture(closedException());
            }
            if (writer == null) {
                // One writer thread, in call order, that exists only while writes are queued: an idle terminal
                // holds none.
                ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 5, TimeUnit.SECONDS,
                        new LinkedBlockingQueue<>(), r -> {
                            Thread t = new Thread(r, threadName);
                            t.setDaemon(true);
                            return t;
                        });
                pool.allowCoreThreadTimeOut(true);
                writer = pool;
            }
            CompletableFuture<Void> done = new CompletableFuture<>();
            writer.execute(() -> {
                try {
                    write(bytes);
                    done.complete(null);
                } catch (IOException | RuntimeException e) {
                    done.completeExceptionally(e);
                }
            });
            return done;
        }
    }

    /** Runs {@code action} unless the terminal is closed, never concurrently with {@link #close}. */
    void whileOpen(Runnable action) {
        synchronized (lifecycle) {
            if (!closed) {
                action.run();
            }
        }
    }

    /**
     * Closes the terminal (its master side). A write still blocked on a full terminal is released first: when
     * the program's side closes, Linux wakes the blocked writer before the side's open count drops, so the writer
     * sleeps again and nothing ever wakes it (measured: stuck for good). Reading the program's side makes room
     * and wakes it; it then finds the terminal closed and stops after its current chunk.
     */
    void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            if (writer != null) {
                writer.shutdown(); // queued writes fail fast now
            }
            boolean locked = false;
            try {
                locked = writeLock.tryLock(200, TimeUnit.MILLISECONDS) || drainUntilWriterLetsGo(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                process.getOutputStream().close(); // the same Pty backs every stream: this closes the master side
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "closing the terminal of " + description + " failed", e);
            } finally {
                if (locked) {
                    writeLock.unlock();
                }
            }
        }
    }

    private boolean drainUntilWriterLetsGo(Duration limit) throws InterruptedException {
        if (!(process instanceof UnixPtyProcess unix)) {
            return false;
        }
        int slave = CLibrary.open(unix.getPty().getSlaveName(), CLibrary.O_RDWR | CLibrary.O_NOCTTY);
        if (slave < 0) {
            LOG.log(Level.WARNING, "a write to " + description + " is stuck and its terminal cannot be drained");
            return false;
        }
        try {
            byte[] sink = new byte[CHUNK];
            long deadline = System.nanoTime() + limit.toNanos();
            while (System.nanoTime() < deadline) {
                if (writeLock.tryLock(10, TimeUnit.MILLISECONDS)) {
                    return true;
                }
                Pollfd[] fds = {new Pollfd(slave, CLibrary.POLLIN)};
                if (CLibrary.poll(fds, 50) > 0 && (fds[0].getRevents() & CLibrary.POLLIN) != 0) {
                    CLibrary.read(slave, sink, sink.length);
                }
            }
            LOG.log(Level.WARNING, "a write to " + description + " is still stuck after draining for " + limit);
            return false;
        } finally {
            CLibrary.close(slave);
        }
    }

    private void requireOpen() throws IOException {
        if (closed) {
            throw closedException();
        }
    }

    private IOException closedException() {
        return new IOException("the terminal of " + description + " is closed");
    }
}
