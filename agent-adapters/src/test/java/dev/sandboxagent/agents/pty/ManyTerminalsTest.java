package dev.sandboxagent.agents.pty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many terminals at once: an idle one must not cost threads of its own (issue 12's footprint target), and sharing
 * the reading must not cost order, completeness or fairness.
 */
class ManyTerminalsTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private final List<TerminalProcess> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        started.forEach(p -> p.terminate(Duration.ofMillis(200)));
    }

    private TerminalProcess start(TerminalProcessBuilder builder) throws IOException {
        TerminalProcess p = builder.directory(dir).start();
        started.add(p);
        return p;
    }

    @Test
    void pty4jStillSignalsTheExitThroughThePipeThatIsWatched() {
        // If a pty4j upgrade moves it, terminals still work (a thread each waits for the exit) but the count below
        // fails: this names the cause.
        assertThat(ExitSignal.available()).isTrue();
    }

    @Test
    void idleTerminalsCostAtMostTwoThreadsEach() throws Exception {
        // One terminal first, so that what is shared by all (the poller) is there before counting.
        start(TerminalProcess.builder("cat"));
        int count = 30;
        int before = liveThreads();
        for (int i = 0; i < count; i++) {
            start(TerminalProcess.builder("cat")); // waits for input that never comes: idle
        }
        int grown = liveThreads() - before;
        // Measured: one per terminal (pty4j's own reaper, which forks the program and waits for it). The bound is
        // the target; a thread per stream or per exit (four per terminal before) is far above it.
        assertThat(grown).as("threads added by %d idle terminals", count).isLessThanOrEqualTo(2 * count);
        for (TerminalProcess p : started) {
            assertThat(p.isAlive()).isTrue();
        }
    }

    @Test
    void everyTerminalDeliversAllItsOutputInOrderBeforeItsExitIsReported() throws Exception {
        int count = 20;
        int lines = 2000;
        List<CompletableFuture<String>> results = new ArrayList<>();
        for (int t = 0; t < count; t++) {
            AtomicInteger next = new AtomicInteger();
            List<String> problems = new CopyOnWriteArrayList<>();
            CompletableFuture<String> result = new CompletableFuture<>();
            results.add(result);
            int id = t;
            start(TerminalProcess.builder("/bin/sh", "-c",
                            "i=0; while [ $i -lt " + lines + " ]; do echo t" + id + "-$i; i=$((i+1)); done; "
                                    + "echo oops >&2; exit 3")
                    .output(new LineReader(line -> {
                        String expected = "t" + id + "-" + next.get();
                        if (!line.equals(expected) && problems.size() < 5) {
                            problems.add("expected " + expected + ", got " + line);
                        }
                        next.incrementAndGet();
                    }))
                    .onExit(code -> result.complete("exit " + code + " after " + next.get() + " lines"
                            + (problems.isEmpty() ? "" : " " + problems))));
        }
        for (int t = 0; t < count; t++) {
            assertThat(results.get(t).get(WAIT.toSeconds(), TimeUnit.SECONDS))
                    .isEqualTo("exit 3 after " + lines + " lines");
            assertThat(started.get(t).stderr().head()).containsExactly("oops");
        }
    }

    @Test
    void aTerminalThatFloodsItsOutputDoesNotStarveTheOthers() throws Exception {
        for (int i = 0; i < 3; i++) {
            start(TerminalProcess.builder("yes", "flood-flood-flood-flood-flood-flood-flood-flood"));
        }
        List<String> echoed = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> all = new CompletableFuture<>();
        int rounds = 100;
        TerminalProcess echo = start(TerminalProcess.builder("cat").output(new LineReader(line -> {
            echoed.add(line);
            if (echoed.size() == rounds) {
                all.complete(null);
            }
        })));
        for (int i = 0; i < rounds; i++) {
            echo.writeLine("ping-" + i);
        }
        all.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(echoed).hasSize(rounds).startsWith("ping-0").endsWith("ping-" + (rounds - 1));
        for (TerminalProcess p : started) {
            assertThat(p.isAlive()).isTrue();
        }
    }

    private static int liveThreads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }
}
