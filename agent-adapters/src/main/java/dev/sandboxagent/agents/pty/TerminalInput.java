package dev.sandboxagent.agents.pty;

import com.pty4j.PtyProcess;
import com.pty4j.unix.CLibrary;
import com.pty4j.unix.Pollfd;
import com.pty4j.unix.UnixPtyProcess;
import com.sun.jna.Memory;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeUnit;

/**
 * The writing side of a terminal: whole writes under one lock, an optional writer thread for callers that must not
 * block, and closing the terminal without getting stuck behind a write that the kernel never wakes.
 *
 * <p>The terminal's master side is non-blocking ({@code O_NONBLOCK}: its reads happen only when the poller says it
 * is readable, so they never relied on blocking), which lets {@link #writeAsync} write in place, on the caller's
 * thread, whatever the terminal takes now, and hand only a rest (a full terminal) to the writer thread. A mock turn's
 * message is then one {@code write(2)} by the caller instead of a hand-off to a thread that wakes, writes and sleeps
 * again (docs/benchmarks.md, "Turn cost, session 9"). A blocking {@link #write} waits for room in {@code poll(2)}.
 */
final class TerminalInput {
    private static final System.Logger LOG = System.getLogger(TerminalInput.class.getName());
    /** One write(2) at most this big, which bounds what {@link #close} may have to drain. */
    private static final int CHUNK = 64 * 1024;

    private final PtyProcess process;
    private final String description;
    /**
     * One write at a time, so lines from concurrent callers never interleave. A permit, not a lock: a write begun
     * in place by {@link #writeAsync} and finished by the writer thread keeps it across the two threads.
     */
    private final Semaphore writing = new Semaphore(1);
    /** Guards the writer thread's creation and closing; never held during a write. */
    private final Object lifecycle = new Object();
    private volatile boolean closed;
    private ExecutorService writer; // guarded by lifecycle
    /** Writes handed to the writer thread and not yet done: while any is, a new write queues behind it. */
    private final AtomicInteger queued = new AtomicInteger();
    /** The master descriptor when it could be made non-blocking, else -1 (then every async write is queued). */
    private final int nonBlockingFd;

    TerminalInput(PtyProcess process, String description) {
        this.process = process;
        this.description = description;
        process.getOutputStream(); // pty4j closes the terminal on destroy() if a stream was never requested
        this.nonBlockingFd = process instanceof UnixPtyProcess unix ? nonBlocking(unix.getPty().getMasterFD()) : -1;
    }

    private static int nonBlocking(int fd) {
        int flags = Libc.fcntl(fd, Libc.F_GETFL, 0);
        if (flags < 0 || Libc.fcntl(fd, Libc.F_SETFL, flags | Libc.O_NONBLOCK) < 0) {
            return -1;
        }
        return fd;
    }

    boolean isClosed() {
        return closed;
    }

    void write(byte[] bytes) throws IOException {
        writing.acquireUninterruptibly();
        try {
            writeHolding(bytes);
        } finally {
            writing.release();
        }
    }

    /** Writes all of {@code bytes}, waiting for room; the caller holds {@link #writing}. */
    private void writeHolding(byte[] bytes) throws IOException {
        if (!(process instanceof UnixPtyProcess unix)) {
            requireOpen();
            process.getOutputStream().write(bytes, 0, bytes.length);
            return;
        }
        // pty4j's own stream ignores the count write(2) returns, and a signal can cut a large write short.
        writeChunks(unix.getPty().getMasterFD(), bytes, true);
    }

    /**
     * Writes {@code bytes} to {@code fd} a chunk at a time. A full terminal (EAGAIN on the non-blocking master) is
     * waited out when {@code waitForRoom}, else ends the write there. Returns how many bytes were written.
     */
    private int writeChunks(int fd, byte[] bytes, boolean waitForRoom) throws IOException {
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
            if (n < 0 && errno == CLibrary.EINTR) {
                continue;
            }
            if (n < 0 && errno == CLibrary.EAGAIN) {
                if (!waitForRoom) {
                    break;
                }
                awaitRoom(fd); // the terminal is full: wait until the program reads
                continue;
            }
            throw new IOException("writing to the terminal of " + description + " failed, errno " + errno);
        }
        return offset;
    }

    /** Waits (at most a tenth of a second, then the caller checks that the terminal is still open) for room. */
    private static void awaitRoom(int fd) {
        Memory one = Libc.ONE_POLLFD.get();
        Libc.setPollfd(one, 0, fd, Libc.POLLOUT);
        Libc.poll(one, 1, 100);
    }

    CompletableFuture<Void> writeAsync(byte[] bytes, String threadName) {
        synchronized (lifecycle) {
            if (closed) {
                return CompletableFuture.failedFuture(closedException());
            }
            // In place when nothing is queued before it and no one else writes: the usual case, a terminal with
            // room. The descriptor cannot be closed meanwhile (close takes the lifecycle lock first).
            // The rest of a write begun here, if the terminal did not take all of it: the writer thread finishes it
            // holding the permit this thread took, so no other write gets in between.
            byte[] rest = null;
            if (nonBlockingFd >= 0 && queued.get() == 0 && writing.tryAcquire()) {
                int written;
                try {
                    written = writeChunks(nonBlockingFd, bytes, false); // what the terminal takes now
                } catch (IOException | RuntimeException e) {
                    writing.release();
                    return CompletableFuture.failedFuture(e);
                }
                if (written == bytes.length) {
                    writing.release();
                    return CompletableFuture.completedFuture(null);
                }
                rest = Arrays.copyOfRange(bytes, written, bytes.length);
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
            byte[] whole = bytes;
            byte[] held = rest;
            queued.incrementAndGet();
            try {
                writer.execute(() -> {
                    try {
                        if (held != null) {
                            try {
                                writeHolding(held);
                            } finally {
                                writing.release();
                            }
                        } else {
                            write(whole);
                        }
                        done.complete(null);
                    } catch (IOException | RuntimeException e) {
                        done.completeExceptionally(e);
                    } finally {
                        queued.decrementAndGet();
                    }
                });
            } catch (RuntimeException e) {
                queued.decrementAndGet();
                if (held != null) {
                    writing.release();
                }
                throw e;
            }
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
                locked = writing.tryAcquire(200, TimeUnit.MILLISECONDS) || drainUntilWriterLetsGo(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                process.getOutputStream().close(); // the same Pty backs every stream: this closes the master side
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "closing the terminal of " + description + " failed", e);
            } finally {
                if (locked) {
                    writing.release();
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
                if (writing.tryAcquire(10, TimeUnit.MILLISECONDS)) {
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
