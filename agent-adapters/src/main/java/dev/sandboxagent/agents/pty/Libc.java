package dev.sandboxagent.agents.pty;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The C library calls the terminal hot path makes (a mock turn: an epoll wait and re-arm, two readiness polls, a
 * read and a write), bound by JNA's direct mapping: a native method per call, no proxy, no {@code Structure}.
 * pty4j's own bindings (its
 * {@code CLibrary}) go through a JNA proxy interface and build a {@code Structure} per pollfd on every
 * {@code poll}, by reflection: about 15 KB of garbage and tens of microseconds per turn on the poll thread alone
 * (JFR, docs/benchmarks.md "Turn cost, session 7"). The same library functions, the same errno
 * ({@link Native#getLastError}, kept per thread after each call), through JNA, which pty4j loads anyway.
 */
final class Libc {
    /** {@code struct pollfd}: int fd; short events; short revents. */
    static final int POLLFD_SIZE = 8;
    private static final int REVENTS_OFFSET = 6;

    static {
        Native.register(Libc.class, Platform.C_LIBRARY_NAME);
    }

    private Libc() {
    }

    static native int poll(Pointer fds, int count, int timeoutMillis);

    static native int read(int fd, byte[] buffer, int count);

    /**
     * Into native memory: a Java array argument is copied to native memory and back in full on every call (64 KB
     * each way for a terminal's read buffer, whatever the read returned); from here only the bytes read are copied.
     */
    static native int read(int fd, Pointer buffer, int count);

    static native int write(int fd, byte[] buffer, int count);

    /** {@code fcntl(fd, cmd, int arg)}: the commands used here take an int or nothing. */
    static native int fcntl(int fd, int cmd, int arg);

    static final int F_GETFL = 3;
    static final int F_SETFL = 4;
    static final int O_NONBLOCK = 0x800;
    static final short POLLOUT = 0x004;

    static native int epoll_create1(int flags);

    static native int epoll_ctl(int epfd, int op, int fd, Pointer event);

    static native int epoll_wait(int epfd, Pointer events, int maxEvents, int timeoutMillis);

    static final int EPOLL_CLOEXEC = 0x80000;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_DEL = 2;
    static final int EPOLL_CTL_MOD = 3;
    static final int EPOLLIN = 0x001;
    /** Reported once, then the descriptor is disabled until {@code EPOLL_CTL_MOD} arms it again. */
    static final int EPOLLONESHOT = 1 << 30;
    /**
     * {@code struct epoll_event}: uint32_t events; uint64_t data. Packed on x86 (12 bytes, data at 4), naturally
     * aligned elsewhere (16 bytes, data at 8).
     */
    static final int EPOLL_EVENT_SIZE = Platform.isIntel() ? 12 : 16;
    private static final int EPOLL_DATA_OFFSET = Platform.isIntel() ? 4 : 8;

    /** Sets slot {@code i} of an epoll_event array: {@code events}, and {@code fd} as its data. */
    static void setEpollEvent(Memory events, int i, int mask, int fd) {
        long at = (long) i * EPOLL_EVENT_SIZE;
        events.setInt(at, mask);
        events.setLong(at + EPOLL_DATA_OFFSET, fd);
    }

    /** The data (the descriptor, as {@link #setEpollEvent} put it) of slot {@code i} of an epoll_event array. */
    static int epollEventFd(Memory events, int i) {
        return (int) events.getLong((long) i * EPOLL_EVENT_SIZE + EPOLL_DATA_OFFSET);
    }

    /** One epoll_event, per thread: a terminal's handler arms its descriptor again from its own pool thread. */
    static final ThreadLocal<Memory> ONE_EPOLL_EVENT = ThreadLocal.withInitial(() -> new Memory(16));

    static int errno() {
        return Native.getLastError();
    }

    /** Sets slot {@code i} of a pollfd array to watch {@code fd} for {@code events}, revents cleared. */
    static void setPollfd(Memory fds, int i, int fd, short events) {
        long at = (long) i * POLLFD_SIZE;
        fds.setInt(at, fd);
        fds.setShort(at + 4, events);
        fds.setShort(at + REVENTS_OFFSET, (short) 0);
    }

    static short revents(Memory fds, int i) {
        return fds.getShort((long) i * POLLFD_SIZE + REVENTS_OFFSET);
    }

    /**
     * One slot, per thread, for {@link PtyPoller#readyNow}: it runs on the pool threads that read terminals, once
     * per read.
     */
    static final ThreadLocal<Memory> ONE_POLLFD = ThreadLocal.withInitial(() -> new Memory(POLLFD_SIZE));
}
