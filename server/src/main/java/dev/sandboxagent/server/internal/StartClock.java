package dev.sandboxagent.server.internal;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The time each step of the server's start took, logged at debug level once the server listens ("started in 180 ms:
 * store 40, vertx 60, ..."), so a slow start can be taken apart without a profiler. Not thread-safe: the starting
 * thread alone uses it.
 */
final class StartClock {
    private static final System.Logger LOG = System.getLogger(ServerRuntime.class.getName());

    private final long startedNanos = System.nanoTime();
    private final List<String> steps = new ArrayList<>();
    private long lastNanos = startedNanos;

    /** Ends the step that ran since the previous mark (or since this clock was made). */
    void mark(String step) {
        long now = System.nanoTime();
        steps.add(step + " " + TimeUnit.NANOSECONDS.toMillis(now - lastNanos));
        lastNanos = now;
    }

    void log() {
        if (LOG.isLoggable(Level.DEBUG)) {
            LOG.log(Level.DEBUG, "started in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos)
                    + " ms (JVM up " + java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime()
                    + " ms): " + String.join(", ", steps));
        }
    }
}
