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
    /** The time limit the tests' servers run with: low, yet above what a loaded 2-core machine shows. */
    public static final Duration TEST_LIMIT = Duration.ofMillis(200);

    static final String CHECKER_LOGGER = "io.vertx.core.impl.BlockedThreadChecker";
    private static final String EVENT_LOOP = "vert.x-eventloop-thread";
    private static final List<String> REPORTS = new ArrayList<>();
    // Held here: JUL keeps loggers only weakly, and a collected logger would take the handler with it.
    private static final Logger CHECKER = Logger.getLogger(CHECKER_LOGGER);

    static {
        CHECKER.addHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                String message = record.getMessage();
                if (message != null && isEventLoopReport(message)) {
                    synchronized (REPORTS) {
                        REPORTS.add(message);
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
