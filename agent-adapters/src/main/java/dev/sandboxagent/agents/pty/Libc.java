package dev.sandboxagent.agents.pty;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The C library calls the terminal hot path makes (a mock turn: about four polls, two reads and a write), bound by
 * JNA's direct mapping: a native method per call, no proxy, no {@code Structure}. pty4j's own bindings (its
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
