package dev.sandboxagent.server.internal;

import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The time each step of the server's start took, logged at debug level once the server listens ("started in 180 ms,
 * main thread CPU 150 ms: store 40/35, vertx 60/2, ..." as wall/CPU milliseconds per step), so a slow start can be
 * taken apart without a profiler. The CPU figures are the starting thread's own: on a busy machine wall time is
 * mostly waiting for a core, CPU time is what the step costs. Not thread-safe: the starting thread alone uses it.
 */
final class StartClock {
    private static final System.Logger LOG = System.getLogger(ServerRuntime.class.getName());

    /** Only when the log is wanted: the management classes are themselves a few ms of a start. */
    private final ThreadMXBean threads = LOG.isLoggable(Level.DEBUG) ? ManagementFactory.getThreadMXBean() : null;
    private final long startedNanos = System.nanoTime();
    private final long startedCpuNanos = cpuNanos();
    private final List<String> steps = new ArrayList<>();
    private long lastNanos = startedNanos;
    private long lastCpuNanos = startedCpuNanos;

    /** Ends the step that ran since the previous mark (or since this clock was made). */
    void mark(String step) {
        if (threads == null) {
            return;
        }
        long now = System.nanoTime();
        long cpu = cpuNanos();
        steps.add(step + " " + TimeUnit.NANOSECONDS.toMillis(now - lastNanos) + "/"
                + TimeUnit.NANOSECONDS.toMillis(cpu - lastCpuNanos));
        lastNanos = now;
        lastCpuNanos = cpu;
    }

    void log() {
        if (threads == null) {
            return;
        }
        long processCpu = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management
                .OperatingSystemMXBean os ? os.getProcessCpuTime() : -1;
        LOG.log(Level.DEBUG, "started in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos)
                + " ms, main thread CPU " + TimeUnit.NANOSECONDS.toMillis(cpuNanos() - startedCpuNanos)
                + " ms (JVM up " + ManagementFactory.getRuntimeMXBean().getUptime()
                + " ms; CPU before the start: main thread " + TimeUnit.NANOSECONDS.toMillis(startedCpuNanos)
                + " ms; process CPU so far " + TimeUnit.NANOSECONDS.toMillis(processCpu)
                + " ms); steps as wall/CPU ms: " + String.join(", ", steps));
    }

    private long cpuNanos() {
        return threads == null ? 0 : threads.getCurrentThreadCpuTime();
    }
}
