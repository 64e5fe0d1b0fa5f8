package dev.sandboxagent.server.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * What Vert.x reported about event loops held too long. Vert.x's checker logs a warning on
 * {@value #CHECKER_LOGGER} for any thread it watches; only event-loop threads count here (a worker may take
 * its time). In-process servers are watched through a log handler; a child-process server's log is scanned.
 * {@link EventLoopCheck} fails every server test during which a report arrived.
 */
public final class BlockedEventLoops {
    /** Set to run the tests' servers with another limit (ms), e.g. on a machine much busier than CI. */
    public static final String LIMIT_PROPERTY = "sandbox-agent.test.event-loop-limit-ms";
    /**
     * The limit the tests' servers run with, half Vert.x's default. Lower flakes: measured on a 2-core machine at a
     * load of 20 to 30, a cold JVM's first requests (class loading, Jackson's first look at a type, HTTP/2) and
     * encoding a page of 512 events for SSE on the event loop held it 200 to 750 ms, once 1.7 s.
     */
    public static final Duration TEST_LIMIT = Duration.ofMillis(Long.getLong(LIMIT_PROPERTY, 1000));

    static final String CHECKER_LOGGER = "io.vertx.core.impl.BlockedThreadChecker";
    private static final String EVENT_LOOP = "vert.x-eventloop-thread";
    private static final int STACK_FRAMES = 12;
    private static final List<String> REPORTS = new ArrayList<>();
    // Held here: JUL keeps loggers only weakly, and a collected logger would take the handler with it.
    private static final Logger CHECKER = Logger.getLogger(CHECKER_LOGGER);

    static {
        CHECKER.addHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                String message = record.getMessage();
                if (message != null && isEventLoopReport(message)) {
                    StringBuilder report = new StringBuilder(message);
                    if (record.getThrown() != null) { // where the loop was held, when Vert.x says
                        java.util.Arrays.stream(record.getThrown().getStackTrace()).limit(STACK_FRAMES)
                                .forEach(frame -> report.append("\n      at ").append(frame));
                    }
                    synchronized (REPORTS) {
                        REPORTS.add(report.toString());
                    }
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
    }

    private BlockedEventLoops() {
    }

    /** Makes sure the handler is in place before a server starts. */
    public static void watch() {
        // the static initialiser did it
    }

    /** The reports since the last call, and forgets them. */
    public static List<String> drain() {
        synchronized (REPORTS) {
            List<String> all = List.copyOf(REPORTS);
            REPORTS.clear();
            return all;
        }
    }

    /** The event-loop reports in a child-process server's log (its stderr), from byte {@code from} on. */
    public static List<String> inLog(Path log, long from) {
        if (!Files.exists(log)) {
            return List.of();
        }
        try {
            byte[] all = Files.readAllBytes(log);
            String text = new String(all, (int) Math.min(from, all.length), (int) Math.max(0, all.length - from),
                    java.nio.charset.StandardCharsets.ISO_8859_1);
            return text.lines().filter(BlockedEventLoops::isEventLoopReport).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Throws with the reports if there are any. */
    public static void assertNone(List<String> reports, String where) {
        if (!reports.isEmpty()) {
            throw new AssertionError("an event loop was blocked " + where + " (Vert.x's limit in tests is "
                    + TEST_LIMIT.toMillis() + " ms; move the work to Blocking):\n  "
                    + String.join("\n  ", reports));
        }
    }

    private static boolean isEventLoopReport(String message) {
        return message.contains("has been blocked for") && message.contains(EVENT_LOOP);
    }
}
