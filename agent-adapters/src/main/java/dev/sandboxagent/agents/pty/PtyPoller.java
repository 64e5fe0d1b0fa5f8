package dev.sandboxagent.agents.pty;

import com.pty4j.unix.CLibrary;
import com.sun.jna.Memory;
import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Watches the descriptors of every terminal (PTY masters, stderr FIFOs, exit signals) with one thread in
 * {@code epoll_wait(2)}, so an idle terminal costs no thread of its own. When a descriptor is ready its handler runs
 * on a shared pool (a few threads kept, the others only while there is work); the descriptor is not watched while
 * its handler runs, so one descriptor has at most one handler at a time (its bytes stay in order) and a reader that
 * is slow to take them holds back only its own program (which then blocks on a full terminal, as with a thread per
 * terminal).
 * A program that floods its terminal costs one pool thread and never delays the others: the poll thread only
 * dispatches, it never reads or delivers.
 *
 * <p>Each descriptor is in the epoll set one-shot: reported once, then disabled until armed again. A handler that
 * keeps its descriptor arms it again itself, from its pool thread ({@code EPOLL_CTL_MOD}), so the poll thread is not
 * woken to do it: with {@code poll(2)} every handler's end was a command to the poll thread (a pipe write, a
 * wake-up, a pipe read and a new poll over every descriptor), two wake-ups of this thread per terminal read instead
 * of one (docs/benchmarks.md, "Turn cost, session 9"). The poll thread is woken through its pipe only for what
 * changes the set otherwise: a new watch, a kick, a cancel, a handler that stops or was kicked meanwhile.
 *
 * <p>Descriptors must stay open while watched: whoever owns one closes it only after {@link #cancel} completed,
 * or in its handler before returning {@code false} (the number could otherwise be reused by another file under
 * the poll).
 */
final class PtyPoller {
    private static final System.Logger LOG = System.getLogger(PtyPoller.class.getName());
    private static final int ARMED_EVENTS = Libc.EPOLLIN | Libc.EPOLLONESHOT;
    private static final int MAX_EVENTS = 64;
    private static final byte[] WAKE_BYTE = {1};
    /** Handler threads started with the poller and never ended (see the constructor). */
    static final int KEPT_HANDLER_THREADS = 8;
    private static PtyPoller shared; // guarded by PtyPoller.class

    /** What runs when a descriptor is ready (readable, hung up or invalid). */
    interface Handler {
        /** Returns true to keep watching the descriptor, false to stop (the watch is then removed). */
        boolean onReady();
    }

    /**
     * One watched descriptor. {@code armed}, {@code kicked} and {@code cancelled} are guarded by the watch itself:
     * the poll thread and the thread of its handler both change them (the handler when it arms the descriptor
     * again, under the same lock as its {@code EPOLL_CTL_MOD}, so a cancel is ordered before or after it).
     */
    static final class Watch {
        private final int fd;
        private final Handler handler;
        private final IntConsumer onRemoved;
        private final CompletableFuture<Void> removed = new CompletableFuture<>();
        private boolean armed; // enabled in the epoll set, no handler running
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
    private final int epoll;
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private final AtomicLong wakeWrites = new AtomicLong();
    private final Queue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final Map<Integer, Watch> watches = new HashMap<>(); // by descriptor; poll thread only
    private final ExecutorService handlers;
    private final AtomicInteger handlerThreadsStarted = new AtomicInteger();

    /** Package-private for tests, which want a poller whose wake-ups no other test's terminals share. */
    PtyPoller() {
        this(thread -> { });
    }

    /** For tests that watch the handler threads: {@code onHandlerThread} gets each one as it is made. */
    PtyPoller(Consumer<Thread> onHandlerThread) {
        if (CLibrary.pipe(wakePipe) != 0) {
            throw new IllegalStateException("pipe(2) failed, errno " + CLibrary.errno());
        }
        epoll = Libc.epoll_create1(Libc.EPOLL_CLOEXEC);
        if (epoll < 0) {
            throw new IllegalStateException("epoll_create1(2) failed, errno " + Libc.errno());
        }
        Memory event = Libc.ONE_EPOLL_EVENT.get();
        Libc.setEpollEvent(event, 0, Libc.EPOLLIN, wakePipe[0]); // level-triggered: drained by the poll thread
        if (Libc.epoll_ctl(epoll, Libc.EPOLL_CTL_ADD, wakePipe[0], event) != 0) {
            throw new IllegalStateException("epoll_ctl(2) of the wake pipe failed, errno " + Libc.errno());
        }
        // As many threads as handlers run at once (an idle terminal holds none), and KEPT_HANDLER_THREADS of them
        // started with the poller (at the first terminal) and kept: a thread is started on the poll thread, by
        // execute(), and a start costs 0.3-1 ms here, so when 20 agents began to stream together the poll thread
        // spent 10-20 ms starting the 9-11 threads their first outputs needed while the others' outputs waited
        // (docs/benchmarks.md, "Latency, session 15"). Threads beyond those are kept a minute, as output comes in
        // bursts.
        ThreadPoolExecutor pool = new ThreadPoolExecutor(KEPT_HANDLER_THREADS, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
                new SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, "pty-io-" + handlerThreadsStarted.incrementAndGet());
                    t.setDaemon(true);
                    onHandlerThread.accept(t);
                    return t;
                });
        pool.prestartAllCoreThreads();
        handlers = pool;
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
            watches.put(fd, watch);
            synchronized (watch) {
                watch.armed = true;
                if (control(Libc.EPOLL_CTL_ADD, watch, ARMED_EVENTS)) {
                    return;
                }
                watch.armed = false;
            }
            // Not a descriptor epoll takes (closed, or a regular file): its handler runs once and finds out, as a
            // poll(2) reported POLLNVAL before.
            dispatch(watch);
        });
        return watch;
    }

    /** Runs the handler soon even if the descriptor is not ready (it must then not block), or once more. */
    void kick(Watch watch) {
        post(() -> {
            synchronized (watch) {
                if (!watch.armed) {
                    if (!watch.removed.isDone()) {
                        watch.kicked = true;
                    }
                    return;
                }
                watch.armed = false;
                // Disabled while the handler runs (a hang-up may still be reported: dispatch ignores a watch that
                // is not armed, and the handler's end arms it again).
                control(Libc.EPOLL_CTL_MOD, watch, Libc.EPOLLONESHOT);
            }
            dispatch(watch);
        });
    }

    /** Stops watching; the future completes once no handler of it runs any more. */
    CompletableFuture<Void> cancel(Watch watch) {
        post(() -> {
            boolean idle;
            synchronized (watch) {
                watch.cancelled = true;
                idle = watch.armed;
                watch.armed = false;
            }
            if (idle) {
                remove(watch);
            }
        });
        return watch.removed;
    }

    /** How many handler threads the pool has started so far, kept ones included (for tests). */
    int handlerThreadsStarted() {
        return handlerThreadsStarted.get();
    }

    /** How many times a command had to wake the poll thread through its pipe (for tests). */
    long wakeWrites() {
        return wakeWrites.get();
    }

    private void post(Runnable command) {
        commands.add(command);
        if (wakePending.compareAndSet(false, true)) {
            wakeWrites.incrementAndGet();
            Libc.write(wakePipe[1], WAKE_BYTE, 1);
        }
    }

    /** Poll thread: runs the handler of a watch that is no longer armed. */
    private void dispatch(Watch watch) {
        synchronized (watch) {
            watch.kicked = false;
        }
        handlers.execute(() -> {
            boolean keep = false;
            try {
                keep = watch.handler.onReady();
            } catch (RuntimeException | Error e) {
                LOG.log(Level.WARNING, "a terminal's handler failed; its descriptor is no longer watched", e);
            }
            if (keep) {
                synchronized (watch) {
                    if (!watch.cancelled && !watch.kicked) {
                        watch.armed = true;
                        if (control(Libc.EPOLL_CTL_MOD, watch, ARMED_EVENTS)) {
                            return; // the usual end: armed again without waking the poll thread
                        }
                        watch.armed = false;
                        watch.cancelled = true; // it cannot be watched any more
                    }
                }
            }
            boolean again = keep;
            post(() -> {
                boolean runAgain;
                synchronized (watch) {
                    runAgain = again && !watch.cancelled && watch.kicked;
                }
                if (runAgain) {
                    dispatch(watch);
                } else {
                    remove(watch);
                }
            });
        });
    }

    private boolean control(int op, Watch watch, int events) {
        Memory event = Libc.ONE_EPOLL_EVENT.get();
        Libc.setEpollEvent(event, 0, events, watch.fd);
        if (Libc.epoll_ctl(epoll, op, watch.fd, event) == 0) {
            return true;
        }
        LOG.log(Level.DEBUG, "epoll_ctl(" + op + ") of descriptor " + watch.fd + " failed, errno " + Libc.errno());
        return false;
    }

    /** Poll thread: the watch is neither armed nor running. */
    private void remove(Watch watch) {
        if (watch.removed.isDone()) {
            return;
        }
        // Only while the number is still this watch's: a descriptor closed under its watch (pty4j closes a
        // terminal's master itself) left the epoll set with its close, and its number may since be another
        // watch's, whose registration a DEL would take away.
        if (watches.get(watch.fd) == watch) {
            Libc.epoll_ctl(epoll, Libc.EPOLL_CTL_DEL, watch.fd, Libc.ONE_EPOLL_EVENT.get()); // gone already: fine
            watches.remove(watch.fd);
        }
        try {
            watch.onRemoved.accept(watch.fd);
        } finally {
            watch.removed.complete(null);
        }
    }

    private void run() {
        byte[] sink = new byte[64];
        Memory events = new Memory((long) MAX_EVENTS * Libc.EPOLL_EVENT_SIZE);
        while (true) {
            try {
                Runnable command;
                while ((command = commands.poll()) != null) {
                    command.run();
                }
                int n = Libc.epoll_wait(epoll, events, MAX_EVENTS, -1);
                if (n < 0) {
                    int errno = Libc.errno();
                    if (errno != CLibrary.EINTR && errno != CLibrary.EAGAIN) {
                        LOG.log(Level.ERROR, "epoll_wait(2) over the terminals failed, errno " + errno);
                        Thread.sleep(100); // do not spin
                    }
                    continue;
                }
                for (int i = 0; i < n; i++) {
                    int fd = Libc.epollEventFd(events, i);
                    if (fd == wakePipe[0]) {
                        // Drain, then clear: a post in between queued its command without a byte, and the commands
                        // are run next, before the wait. (Clearing first lets a second byte be drained unseen, and
                        // the flag then stays set with the pipe empty: no post would wake the wait again.)
                        Libc.read(wakePipe[0], sink, sink.length);
                        wakePending.set(false);
                        continue;
                    }
                    Watch w = watches.get(fd);
                    if (w == null) {
                        continue;
                    }
                    synchronized (w) {
                        if (!w.armed) {
                            continue; // reported while disabled for a kick's run: that run's end arms it again
                        }
                        w.armed = false;
                    }
                    dispatch(w);
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
        Libc.setPollfd(one, 0, fd, CLibrary.POLLIN);
        return Libc.poll(one, 1, 0) > 0 && Libc.revents(one, 0) != 0;
    }
}
