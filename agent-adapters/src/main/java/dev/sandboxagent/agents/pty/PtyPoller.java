package dev.sandboxagent.agents.pty;

import com.pty4j.unix.CLibrary;
import com.sun.jna.Memory;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Watches the descriptors of every terminal (PTY masters, stderr FIFOs, exit signals) with one thread in
 * {@code poll(2)}, so an idle terminal costs no thread of its own. When a descriptor is ready its handler runs on a
 * shared pool whose threads exist only while there is work; the descriptor is not watched while its handler runs,
 * so one descriptor has at most one handler at a time (its bytes stay in order) and a reader that is slow to take
 * them holds back only its own program (which then blocks on a full terminal, as with a thread per terminal). A
 * program that floods its terminal costs one pool thread and never delays the others: the poll thread only
 * dispatches, it never reads or delivers.
 *
 * <p>Descriptors must stay open while watched: whoever owns one closes it only after {@link #cancel} completed,
 * or in its handler before returning {@code false} (the number could otherwise be reused by another file under
 * the poll). pty4j's own {@code poll}/{@code read}/{@code write} bindings are used: no other native code.
 */
final class PtyPoller {
    private static final System.Logger LOG = System.getLogger(PtyPoller.class.getName());
    private static final short POLLIN = CLibrary.POLLIN;
    private static final byte[] WAKE_BYTE = {1};
    private static PtyPoller shared; // guarded by PtyPoller.class

    /** What runs when a descriptor is ready (readable, hung up or invalid). */
    interface Handler {
        /** Returns true to keep watching the descriptor, false to stop (the watch is then removed). */
        boolean onReady();
    }

    /** One watched descriptor. Its state is the poll thread's alone. */
    static final class Watch {
        private final int fd;
        private final Handler handler;
        private final IntConsumer onRemoved;
        private final CompletableFuture<Void> removed = new CompletableFuture<>();
        private boolean armed; // in the poll set, not running
        private boolean kicked; // run once more as soon as the current run ends
        private boolean cancelled;

        private Watch(int fd, Handler handler, IntConsumer onRemoved) {
            this.fd = fd;
            this.handler = handler;
            this.onRemoved = onRemoved;
        }

        /** Completes once the descriptor is no longer watched and no handler of it runs. */
        CompletableFuture<Void> removed() {
            return removed;
        }
    }

    private final int[] wakePipe = new int[2];
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private final Queue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final List<Watch> watches = new ArrayList<>(); // poll thread only
    private final ExecutorService handlers;

    private PtyPoller() {
        if (CLibrary.pipe(wakePipe) != 0) {
            throw new IllegalStateException("pipe(2) failed, errno " + CLibrary.errno());
        }
        AtomicInteger count = new AtomicInteger();
        // Threads only while handlers run: an idle terminal holds none. They are kept a little while, as output
        // tends to come in bursts.
        handlers = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 10, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "pty-io-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        Thread thread = new Thread(this::run, "pty-poller");
        thread.setDaemon(true);
        thread.start();
    }

    static synchronized PtyPoller shared() {
        if (shared == null) {
            shared = new PtyPoller();
        }
        return shared;
    }

    /** Starts watching {@code fd}; {@code onRemoved} gets it once it is no longer watched (e.g. to close it). */
    Watch watch(int fd, Handler handler, IntConsumer onRemoved) {
        Watch watch = new Watch(fd, handler, onRemoved);
        post(() -> {
            watches.add(watch);
            watch.armed = true;
        });
        return watch;
    }

    /** Runs the handler soon even if the descriptor is not ready (it must then not block), or once more. */
    void kick(Watch watch) {
        post(() -> {
            if (watch.armed) {
                dispatch(watch);
            } else if (!watch.removed.isDone()) {
                watch.kicked = true;
            }
        });
    }

    /** Stops watching; the future completes once no handler of it runs any more. */
    CompletableFuture<Void> cancel(Watch watch) {
        post(() -> {
            watch.cancelled = true;
            if (watch.armed) {
                remove(watch);
            }
        });
        return watch.removed;
    }

    private void post(Runnable command) {
        commands.add(command);
        if (wakePending.compareAndSet(false, true)) {
            Libc.write(wakePipe[1], WAKE_BYTE, 1);
        }
    }

    private void dispatch(Watch watch) {
        watch.armed = false;
        watch.kicked = false;
        handlers.execute(() -> {
            boolean keep = false;
            try {
                keep = watch.handler.onReady();
            } catch (RuntimeException | Error e) {
                LOG.log(Level.WARNING, "a terminal's handler failed; its descriptor is no longer watched", e);
            }
            boolean again = keep;
            post(() -> {
                if (!again || watch.cancelled) {
                    remove(watch);
                } else if (watch.kicked) {
                    dispatch(watch);
                } else {
                    watch.armed = true;
                }
            });
        });
    }

    private void remove(Watch watch) {
        watch.armed = false;
        watches.remove(watch);
        try {
            watch.onRemoved.accept(watch.fd);
        } finally {
            watch.removed.complete(null);
        }
    }

    private void run() {
        byte[] sink = new byte[64];
        List<Watch> polled = new ArrayList<>();
        // The pollfd array, reused across polls (grown when more descriptors are watched): this thread's alone.
        Memory fds = new Memory(16L * Libc.POLLFD_SIZE);
        while (true) {
            try {
                Runnable command;
                while ((command = commands.poll()) != null) {
                    command.run();
                }
                polled.clear();
                for (Watch w : watches) {
                    if (w.armed) {
                        polled.add(w);
                    }
                }
                int count = polled.size() + 1;
                if (fds.size() < (long) count * Libc.POLLFD_SIZE) {
                    fds = new Memory(2L * count * Libc.POLLFD_SIZE); // the old one is freed by its cleaner
                }
                Libc.setPollfd(fds, 0, wakePipe[0], POLLIN);
                for (int i = 1; i < count; i++) {
                    Libc.setPollfd(fds, i, polled.get(i - 1).fd, POLLIN);
                }
                int n = Libc.poll(fds, count, -1);
                if (n < 0) {
                    int errno = Libc.errno();
                    if (errno != CLibrary.EINTR && errno != CLibrary.EAGAIN) {
                        LOG.log(Level.ERROR, "poll(2) over the terminals failed, errno " + errno);
                        Thread.sleep(100); // do not spin; a bad descriptor shows up as POLLNVAL, not here
                    }
                    continue;
                }
                if (Libc.revents(fds, 0) != 0) {
                    // Drain, then clear: a post in between queued its command without a byte, and the commands
                    // are run next, before the poll. (Clearing first lets a second byte be drained unseen, and the
                    // flag then stays set with the pipe empty: no post would wake the poll again.)
                    Libc.read(wakePipe[0], sink, sink.length);
                    wakePending.set(false);
                }
                for (int i = 1; i < count; i++) {
                    Watch w = polled.get(i - 1);
                    if (Libc.revents(fds, i) != 0 && w.armed) {
                        dispatch(w);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                LOG.log(Level.ERROR, "the terminal poller was interrupted; terminals are no longer read");
                return;
            } catch (RuntimeException | Error e) {
                LOG.log(Level.ERROR, "the terminal poller failed; it goes on", e);
            }
        }
    }

    /** Whether {@code fd} can be read without blocking now (data, hang-up or an error to report). */
    static boolean readyNow(int fd) {
        Memory one = Libc.ONE_POLLFD.get();
        Libc.setPollfd(one, 0, fd, POLLIN);
        return Libc.poll(one, 1, 0) > 0 && Libc.revents(one, 0) != 0;
    }
}
