package dev.sandboxagent.bench.sidebyside;

import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

/**
 * What the harness's own JVM spent on itself while it measured: its collections (every reader thread stops for
 * them, and a delta that arrives during one is timed late by the pause) and its JIT compilation (threads that take
 * the same two cores as the server). A latency figure of a few milliseconds is only the server's if these are
 * small next to it, so the latency scenario reports them beside its percentiles (docs/benchmarks.md, "Latency:
 * the harness in its own figure").
 */
final class ClientPauses {
    private final long collections;
    private final long collectionMillis;
    private final long compileMillis;

    private ClientPauses(long collections, long collectionMillis, long compileMillis) {
        this.collections = collections;
        this.collectionMillis = collectionMillis;
        this.compileMillis = compileMillis;
    }

    /** The totals since this JVM started. */
    static ClientPauses now() {
        long count = 0;
        long millis = 0;
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, collector.getCollectionCount());
            millis += Math.max(0, collector.getCollectionTime());
        }
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        long compile = jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
        return new ClientPauses(count, millis, compile);
    }

    /** What happened between {@code earlier} and this. */
    ClientPauses since(ClientPauses earlier) {
        return new ClientPauses(collections - earlier.collections, collectionMillis - earlier.collectionMillis,
                compileMillis - earlier.compileMillis);
    }

    /**
     * Empties the harness's young generation before a window that measures latency, so the window's own garbage
     * (a few MB for the latency scenario) is less likely to need a collection of the reading JVM inside it. Only
     * the harness's heap: the server is another process.
     */
    static void collectBeforeMeasuring() {
        System.gc();
    }

    long collections() {
        return collections;
    }

    long collectionMillis() {
        return collectionMillis;
    }

    long compileMillis() {
        return compileMillis;
    }
}
