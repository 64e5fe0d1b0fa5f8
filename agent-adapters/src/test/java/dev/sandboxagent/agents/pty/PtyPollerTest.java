package dev.sandboxagent.agents.pty;

import static org.assertj.core.api.Assertions.assertThat;

import com.pty4j.unix.CLibrary;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
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

    /**
     * Up to {@link PtyPoller#KEPT_HANDLER_THREADS} descriptors ready at once (agents that start to stream together)
     * run their handlers at the same time on threads the pool already has: a thread started on demand is started on
     * the poll thread, 0.3-1 ms each here, while every other terminal's output waits (docs/benchmarks.md, "Latency,
     * session 15"). One more at once still gets a thread of its own.
     */
    @Test
    void descriptorsReadyTogetherRunOnKeptThreadsWithoutStartingAny() throws Exception {
        List<Thread> threads = new CopyOnWriteArrayList<>();
        PtyPoller poller = new PtyPoller(threads::add);
        int kept = PtyPoller.KEPT_HANDLER_THREADS;
        // The kept threads are started with the poller; a just-started one may not be waiting for work yet, and a
        // dispatch that finds none waiting starts another (which only costs time). Once each is parked in the pool's
        // queue, as they are from then on, a dispatch is handed to one of them.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!(threads.size() == kept && threads.stream().allMatch(t -> t.getState() == Thread.State.WAITING))
                && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(threads).as("kept threads waiting for work").hasSize(kept)
                .allMatch(t -> t.getState() == Thread.State.WAITING);
        int startedBefore = poller.handlerThreadsStarted();
        CountDownLatch allRunning = new CountDownLatch(kept + 1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch firstRunning = new CountDownLatch(kept);
        int[][] pipes = new int[kept + 1][2];
        for (int[] pipe : pipes) {
            assertThat(CLibrary.pipe(pipe)).isZero();
        }
        try {
            for (int i = 0; i < kept; i++) {
                int[] pipe = pipes[i];
                poller.watch(pipe[0], () -> blockUntil(release, firstRunning, allRunning), CLibrary::close);
                writeOne(pipe[1], (byte) 'x');
            }
            assertThat(firstRunning.await(10, TimeUnit.SECONDS)).as("%d handlers running at once", kept).isTrue();
            assertThat(poller.handlerThreadsStarted() - startedBefore).as("threads started for them").isZero();

            int[] extra = pipes[kept];
            poller.watch(extra[0], () -> blockUntil(release, firstRunning, allRunning), CLibrary::close);
            writeOne(extra[1], (byte) 'x');
            assertThat(allRunning.await(10, TimeUnit.SECONDS)).as("one more at the same time").isTrue();
            assertThat(poller.handlerThreadsStarted() - startedBefore).isEqualTo(1);
        } finally {
            release.countDown();
            for (int[] pipe : pipes) {
                CLibrary.close(pipe[1]);
            }
        }
    }

    private static boolean blockUntil(CountDownLatch release,
                                      CountDownLatch first,
                                      CountDownLatch all) {
        first.countDown();
        all.countDown();
        try {
            release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false; // stop watching: the descriptor is closed by the watch's end
    }

    private static void writeOne(int fd, byte b) {
        Libc.write(fd, new byte[] {b}, 1);
    }
}
