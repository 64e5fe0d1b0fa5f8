package dev.sandboxagent.agents.pty;

import static org.assertj.core.api.Assertions.assertThat;

import com.pty4j.unix.CLibrary;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The shared poller over a real pipe: handlers in order, one at a time, and their ends not waking the poll thread. */
class PtyPollerTest {
    private static final int ROUNDS = 20;

    @Test
    void aHandlerThatKeepsItsDescriptorArmsItAgainWithoutWakingThePollThread() throws Exception {
        PtyPoller poller = new PtyPoller(); // its own: no other test's terminals post commands to it
        int[] pipe = new int[2];
        assertThat(CLibrary.pipe(pipe)).isZero();
        Semaphore ran = new Semaphore(0);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger overlapping = new AtomicInteger();
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        byte[] buffer = new byte[64];
        PtyPoller.Watch watch = poller.watch(pipe[0], () -> {
            if (running.incrementAndGet() > 1) {
                overlapping.incrementAndGet();
            }
            if (PtyPoller.readyNow(pipe[0])) {
                int n = Libc.read(pipe[0], buffer, buffer.length);
                synchronized (seen) {
                    seen.write(buffer, 0, Math.max(n, 0));
                }
            }
            running.decrementAndGet();
            ran.release();
            return true;
        }, CLibrary::close);

        // The watch itself is a command (one wake-up); a first round makes sure it is in place.
        writeOne(pipe[1], (byte) 'a');
        assertThat(ran.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
        long before = poller.wakeWrites();
        for (int i = 0; i < ROUNDS; i++) {
            writeOne(pipe[1], (byte) ('b' + i));
            assertThat(ran.tryAcquire(10, TimeUnit.SECONDS)).as("round " + i).isTrue();
        }
        // Each round's byte was read by a handler run that the descriptor's readiness started, so every run but
        // the last had armed the descriptor again; none of them had to wake the poll thread to do it (with
        // poll(2), each did: one pipe write per run).
        assertThat(poller.wakeWrites() - before).isZero();
        synchronized (seen) {
            assertThat(seen.toString()).isEqualTo("abcdefghijklmnopqrstu");
        }
        assertThat(overlapping).hasValue(0);

        // A kick runs the handler with nothing to read; a cancel then removes the watch and closes the descriptor.
        poller.kick(watch);
        assertThat(ran.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
        poller.cancel(watch).get(10, TimeUnit.SECONDS);
        writeOne(pipe[1], (byte) 'z'); // the read end is closed: EPIPE, and no handler runs
        assertThat(ran.tryAcquire(200, TimeUnit.MILLISECONDS)).isFalse();
        CLibrary.close(pipe[1]);
    }

    private static void writeOne(int fd, byte b) {
        Libc.write(fd, new byte[] {b}, 1);
    }
}
