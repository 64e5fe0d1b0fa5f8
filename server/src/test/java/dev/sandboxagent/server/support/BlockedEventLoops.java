package dev.sandboxagent.server.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What Vert.x reported about event loops held too long. Vert.x's checker logs a warning, with the held thread's
 * stack, on {@value #CHECKER_LOGGER} for any thread it watches; only event-loop threads count here (a worker may
 * take its time). In-process servers are watched through a log handler; a child-process server's log is scanned.
 * {@link EventLoopCheck} fails every server test during which a report that counts arrived.
 *
 * <p>What counts, measured on the 2-core machine the suite runs on: a loop caught <em>waiting</em> (sleeping,
 * parked on a lock, in a file, socket, process or SQLite call) past {@link #TEST_LIMIT} is what "nothing blocks an
 * event loop" forbids, and it counts at once. A loop caught <em>computing</em> counts only past
 * {@link #COMPUTE_LIMIT}, and so does one reading a class from a jar: CPU work stretches with the machine's load
 * (at a load of 20 to 30, a cold JVM's class loading and the encoding of a 512-event SSE page took 0.2 to 2.1 s),
 * and failing on it would fail tests for the load, not for the code. Those reports are printed, so they are seen.
 */
public final class BlockedEventLoops {
    /** Set to run the tests' servers with another limit (ms). */
    public static final String LIMIT_PROPERTY = "sandbox-agent.test.event-loop-limit-ms";
    /** The limit the tests' servers run with, a quarter of Vert.x's default. */
    public static final Duration TEST_LIMIT = Duration.ofMillis(Long.getLong(LIMIT_PROPERTY, 500));
    /** How long an event loop may compute before that fails a test too. */
    public static final Duration COMPUTE_LIMIT = TEST_LIMIT.multipliedBy(10);

    static final String CHECKER_LOGGER = "io.vertx.core.impl.BlockedThreadChecker";
    private static final String EVENT_LOOP = "vert.x-eventloop-thread";
    private static final Pattern MILLIS = Pattern.compile("has been blocked for (\\d+) ms");
    private static final int STACK_FRAMES = 12;
    /** Frames (top of the stack) of a thread that waits rather than computes. */
    private static final List<String> WAITING = List.of("java.lang.Thread.sleep", "java.lang.Object.wait",
            "jdk.internal.misc.Unsafe.park", "java.lang.ProcessHandleImpl.waitForProcessExit",
            "java.lang.ProcessImpl.waitFor", "java.io.FileInputStream.", "java.io.FileOutputStream.",
            "java.io.RandomAccessFile.", "java.io.UnixFileSystem.", "sun.nio.ch.FileDispatcherImpl.",
            "sun.nio.ch.UnixFileDispatcherImpl.", "sun.nio.fs.UnixNativeDispatcher.", "sun.nio.ch.Net.poll",
            "sun.nio.ch.SocketDispatcher.", "sun.nio.ch.NioSocketImpl.", "java.net.Socket", "java.net.Inet",
            "org.sqlite.core.NativeDB.");
    /**
     * Frames of a class being read from a jar on its first use. The read under them is the page cache, a cost that
     * stretches with the machine's load like computing does (535 ms seen at a load of 10), not a wait on anyone.
     */
    private static final List<String> LOADING_A_CLASS = List.of("jdk.internal.loader.Resource.getBytes",
            "jdk.internal.loader.BuiltinClassLoader.defineClass", "java.lang.ClassLoader.defineClass");
    /** The event loop's own wait for I/O: no task ran; the checker itself was late (a starved machine). */
    private static final String IDLE_SELECT = "io.netty.channel.nio.NioIoHandler.select";
    /** Netty's sockets are non-blocking: time in their system calls is the kernel copying, i.e. computing. */
    private static final String NON_BLOCKING_SOCKET = "io.netty.channel.socket.nio.";
    /** What this class prints about a report that does not count: not a report itself (a child's log has it). */
    private static final String OWN_PREFIX = "[EventLoopCheck]";

    private static final List<String> REPORTS = new ArrayList<>();
    // Held here: JUL keeps loggers only weakly, and a collected logger would take the handler with it.
    private static final Logger CHECKER = Logger.getLogger(CHECKER_LOGGER);

    static {
        CHECKER.addHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                String message = record.getMessage();
                if (message != null && message.contains(EVENT_LOOP)) {
                    List<String> frames = record.getThrown() == null ? List.of()
                            : Arrays.stream(record.getThrown().getStackTrace()).map(StackTraceElement::toString)
                                    .toList();
                    keep(message, frames).ifPresent(report -> {
                        synchronized (REPORTS) {
                            REPORTS.add(report);
                        }
                    });
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

    /** The reports that count since the last call, and forgets them. */
    public static List<String> drain() {
        synchronized (REPORTS) {
            List<String> all = List.copyOf(REPORTS);
            REPORTS.clear();
            return all;
        }
    }

    /** The reports that count in a child-process server's log (its stderr), from byte {@code from} on. */
    public static List<String> inLog(Path log, long from) {
        if (!Files.exists(log)) {
            return List.of();
        }
        List<String> lines;
        try {
            byte[] all = Files.readAllBytes(log);
            int start = (int) Math.min(from, all.length);
            lines = new String(all, start, all.length - start, StandardCharsets.ISO_8859_1).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> reports = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).contains("has been blocked for") || !lines.get(i).contains(EVENT_LOOP)
                    || lines.get(i).contains(OWN_PREFIX)) {
                continue;
            }
            List<String> frames = new ArrayList<>();
            int j = i + 1;
            if (j < lines.size() && lines.get(j).contains("Thread blocked")) {
                j++;
            }
            for (; j < lines.size() && lines.get(j).startsWith("\tat "); j++) {
                frames.add(lines.get(j).substring("\tat ".length()));
            }
            keep(lines.get(i), frames).ifPresent(reports::add);
        }
        return reports;
    }

    /** Throws with the reports if there are any. */
    public static void assertNone(List<String> reports, String where) {
        if (!reports.isEmpty()) {
            throw new AssertionError("an event loop was blocked " + where + " (in tests it may wait "
                    + TEST_LIMIT.toMillis() + " ms and compute " + COMPUTE_LIMIT.toMillis()
                    + " ms; move the work to Blocking):\n  " + String.join("\n  ", reports));
        }
    }

    /** The report with its top frames if it counts (see the class comment); one that does not is printed. */
    private static java.util.Optional<String> keep(String message, List<String> frames) {
        if (!frames.isEmpty() && frames.stream().limit(STACK_FRAMES).anyMatch(f -> f.contains(IDLE_SELECT))) {
            return java.util.Optional.empty();
        }
        StringBuilder report = new StringBuilder(message.strip());
        frames.stream().limit(STACK_FRAMES).forEach(frame -> report.append("\n      at ").append(frame));
        boolean waiting = !frames.isEmpty() && WAITING.stream().anyMatch(w -> frames.get(0).contains(w))
                && frames.stream().limit(STACK_FRAMES).noneMatch(f -> f.contains(NON_BLOCKING_SOCKET))
                && frames.stream().noneMatch(f -> LOADING_A_CLASS.stream().anyMatch(f::contains));
        Matcher millis = MILLIS.matcher(message);
        long heldMillis = millis.find() ? Long.parseLong(millis.group(1)) : Long.MAX_VALUE;
        if (waiting || frames.isEmpty() || heldMillis >= COMPUTE_LIMIT.toMillis()) {
            return java.util.Optional.of(report.toString());
        }
        System.err.println(OWN_PREFIX + " an event loop computed past " + TEST_LIMIT.toMillis()
                + " ms (fails past " + COMPUTE_LIMIT.toMillis() + " ms): " + report);
        return java.util.Optional.empty();
    }
}
