package dev.sandboxagent.store.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's reserve ({@link Headroom}): a private file of real bytes that do not compress, made without leaving
 * its size in memory behind (docs/benchmarks.md "Idle RSS, session 11").
 */
class HeadroomTest {
    @TempDir
    Path dir;

    @Test
    void theReserveIsAPrivateFileOfItsFullSizeThatDoesNotCompress() throws Exception {
        Path reserve = dir.resolve("sessions.reserve");
        assertThat(new Headroom(reserve).ensureReserve()).isTrue();

        byte[] bytes = Files.readAllBytes(reserve);
        assertThat(bytes).hasSize(Headroom.RESERVE_BYTES);
        assertThat(Files.getPosixFilePermissions(reserve)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(dir.resolve("sessions.reserve.tmp")).doesNotExist();
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        deflater.setInput(bytes);
        deflater.finish();
        byte[] out = new byte[bytes.length * 2];
        int compressed = 0;
        while (!deflater.finished()) {
            compressed += deflater.deflate(out, compressed, out.length - compressed);
        }
        deflater.end();
        // Every chunk of it differs: a repeated chunk would compress to about one chunk's size.
        assertThat(compressed).isGreaterThan(Headroom.RESERVE_BYTES * 99 / 100);
    }

    /**
     * A channel's write of a heap buffer goes through a temporary direct buffer of the heap buffer's size, which the
     * JDK then keeps for the writing thread as long as it lives: written in one piece, the reserve's megabyte stayed
     * resident on the thread that opens the store (the server's main thread) for the server's whole life.
     */
    @Test
    void makingTheReserveLeavesNoMegabyteOfDirectMemoryOnTheThreadThatMadeIt() throws Exception {
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct")).findFirst().orElseThrow();
        AtomicLong heldAfter = new AtomicLong();
        AtomicBoolean made = new AtomicBoolean();
        CountDownLatch measured = new CountDownLatch(1);
        Thread maker = new Thread(() -> {
            long before = direct.getMemoryUsed();
            made.set(new Headroom(dir.resolve("sessions.reserve")).ensureReserve());
            // Measured while this thread is alive: its cache of temporary buffers is freed when it ends.
            heldAfter.set(direct.getMemoryUsed() - before);
            measured.countDown();
        }, "reserve-maker");
        maker.start();
        measured.await();
        maker.join();

        assertThat(made).isTrue();
        assertThat(heldAfter.get()).isLessThanOrEqualTo(64 * 1024);
    }
}
