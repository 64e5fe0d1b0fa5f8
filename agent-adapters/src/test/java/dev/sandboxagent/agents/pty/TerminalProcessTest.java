package dev.sandboxagent.agents.pty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandboxagent.agents.testing.Eventually;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PTY layer with real programs under a real pseudo-terminal. */
class TerminalProcessTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

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
    void rawModePassesAHundredKilobyteLineIntactWithoutEchoOrCarriageReturns() throws Exception {
        Bytes out = new Bytes();
        TerminalProcess cat = start(TerminalProcess.builder("cat").output(out));
        String big = "x".repeat(100_000);
        cat.writeLine(big);
        cat.writeLine("end");
        String got = out.await(s -> s.endsWith("end\n"));
        // once (no echo), no \r (no output processing), not cut at 4095 bytes (no canonical line editing)
        assertThat(got).isEqualTo(big + "\nend\n");
    }

    @Test
    void outputIsDrainedWithNobodyListeningSoTheProgramNeverBlocks() throws Exception {
        TerminalProcess p = start(TerminalProcess.builder("/bin/sh", "-c",
                "head -c 10000000 /dev/zero | tr '\\0' 'a'; exit 7"));
        assertThat(p.waitFor(Duration.ofSeconds(60))).hasValue(7);
        assertThat(p.isAlive()).isFalse();
    }

    @Test
    void stderrIsKeptApartWhileStdinAndStdoutStayTheControllingTerminal() throws Exception {
        List<String> out = new CopyOnWriteArrayList<>();
        List<String> live = new CopyOnWriteArrayList<>();
        TerminalProcess p = start(TerminalProcess.builder("/bin/sh", "-c", String.join("; ",
                        "echo to-stdout",
                        "[ -t 0 ] && [ -t 1 ] && echo stdin-and-stdout-are-a-tty",
                        "[ -t 2 ] || echo stderr-is-not",
                        "(exec 3</dev/tty) && echo has-a-controlling-terminal",
                        "i=1; while [ $i -le 120 ]; do echo err-$i >&2; i=$((i+1)); done",
                        "exit 3"))
                .output(new LineReader(out::add))
                .stderrLines(live::add));
        assertThat(p.waitFor(WAIT)).hasValue(3);
        assertThat(out).containsExactly("to-stdout", "stdin-and-stdout-are-a-tty", "stderr-is-not",
                "has-a-controlling-terminal");
        assertThat(p.stderr().total()).isEqualTo(120);
        assertThat(p.stderr().head()).hasSize(50).startsWith("err-1").endsWith("err-50");
        assertThat(p.stderr().tail()).hasSize(50).startsWith("err-71").endsWith("err-120");
        assertThat(p.stderr().truncated()).isTrue();
        assertThat(live).hasSize(120).endsWith("err-120");
    }

    @Test
    void withAStdinPipeTheProgramReadsAPipeWritesTheTerminalAndAWriteAfterItsExitFails() throws Exception {
        List<String> out = new CopyOnWriteArrayList<>();
        TerminalProcess p = start(TerminalProcess.builder("/bin/sh", "-c", String.join("; ",
                        "[ -t 0 ] || echo stdin-is-a-pipe",
                        "[ -t 1 ] && echo stdout-is-a-tty",
                        "(exec 3</dev/tty) && echo has-a-controlling-terminal",
                        "[ -e /proc/self/fd/3 ] || echo no-stray-descriptor",
                        "while IFS= read -r line; do echo \"got:$line\"; done",
                        "echo eof"))
                .stdinPipe(true)
                .output(new LineReader(out::add)));
        String big = "y".repeat(100_000);
        p.writeLine("hello");
        p.writeAsync((big + "\n").getBytes(StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);
        awaitSize(out, 6);
        assertThat(out).containsExactly("stdin-is-a-pipe", "stdout-is-a-tty", "has-a-controlling-terminal",
                "no-stray-descriptor", "got:hello", "got:" + big);
        p.terminate(Duration.ofSeconds(5));
        assertThatThrownBy(() -> p.writeLine("after the exit")).isInstanceOf(IOException.class);
    }

    private static void awaitSize(List<String> list, int size) throws InterruptedException {
        Eventually.until(size + " lines", WAIT, () -> list.size() >= size);
    }

    @Test
    void aLineOfAMegabyteComesBackWholeThroughTheLineReader() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        CountDownLatch two = new CountDownLatch(2);
        TerminalProcess cat = start(TerminalProcess.builder("cat").output(new LineReader(line -> {
            lines.add(line);
            two.countDown();
        })));
        String big = "ab✓".repeat(350_000); // 1,750,000 bytes of UTF-8
        cat.writeLine(big);
        cat.writeLine("second");
        assertThat(two.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(lines).containsExactly(big, "second");
    }

    @Test
    void linesWrittenFromManyThreadsArriveWhole() throws Exception {
        Set<String> lines = java.util.concurrent.ConcurrentHashMap.newKeySet();
        CountDownLatch all = new CountDownLatch(8 * 100);
        TerminalProcess cat = start(TerminalProcess.builder("cat").output(new LineReader(line -> {
            lines.add(line);
            all.countDown();
        })));
        List<Thread> writers = new ArrayList<>();
        Set<String> expected = new HashSet<>();
        for (int t = 0; t < 8; t++) {
            String fill = String.valueOf((char) ('a' + t)).repeat(3000);
            for (int i = 0; i < 100; i++) {
                expected.add(t + ":" + i + ":" + fill);
            }
            int writer = t;
            Thread w = new Thread(() -> {
                for (int i = 0; i < 100; i++) {
                    try {
                        if (i % 2 == 0) {
                            cat.writeLine(writer + ":" + i + ":" + fill);
                        } else {
                            cat.writeAsync((writer + ":" + i + ":" + fill + "\n").getBytes(StandardCharsets.UTF_8));
                        }
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                }
            });
            w.start();
            writers.add(w);
        }
        for (Thread w : writers) {
            w.join();
        }
        assertThat(all.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(lines).isEqualTo(expected);
    }

    @Test
    void terminateKillsAProgramThatIgnoresSigtermAfterTheGrace() throws Exception {
        Bytes out = new Bytes();
        TerminalProcess p = start(TerminalProcess.builder("/bin/sh", "-c",
                "trap '' TERM; echo up; while :; do sleep 1; done").output(out));
        out.await(s -> s.contains("up\n"));
        long before = System.nanoTime();
        int code = p.terminate(Duration.ofMillis(300));
        assertThat(Duration.ofNanos(System.nanoTime() - before)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(code).isEqualTo(128 + 9);
        assertThat(p.isAlive()).isFalse();
        assertThat(p.exit()).isDone();
        assertThat(p.terminationRequested()).isTrue();
        assertThat(p.terminate(Duration.ofMillis(300))).isEqualTo(code); // again: no harm
    }

    @Test
    void terminateFromTheOutputThreadDoesNotWaitForItself() throws Exception {
        CompletableFuture<TerminalProcess> self = new CompletableFuture<>();
        CompletableFuture<Integer> fromReader = new CompletableFuture<>();
        TerminalProcess p = start(TerminalProcess.builder("/bin/sh", "-c", "read x; echo stop; sleep 30")
                .output(new LineReader(line -> fromReader.complete(self.join().terminate(Duration.ofSeconds(1))))));
        self.complete(p);
        p.writeLine("go");
        // A terminate that waited for its own thread would give up after its 10 s confirmation wait and return -1:
        // the exit code is the proof, no stopwatch (a 5 s bound on it could fail on a loaded machine).
        assertThat(fromReader.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(128 + 15);
        assertThat(p.waitFor(WAIT)).hasValue(128 + 15);
    }

    @Test
    void anAsyncWriteThatFitsIsWrittenOnTheCallersThreadAndALargeOneStillArrivesWholeAndInOrder() throws Exception {
        Bytes out = new Bytes();
        TerminalProcess cat = start(TerminalProcess.builder("cat").output(out));
        String writerThread = "pty-cat-" + cat.pid() + "-in";

        CompletableFuture<Void> small = cat.writeAsync("one\n".getBytes(StandardCharsets.UTF_8));
        // Done when the call returns: the terminal had room, so no writer thread was needed (before, every async
        // write was a hand-off to a writer thread started for it).
        assertThat(small).isDone();
        assertThat(small).isNotCompletedExceptionally();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals(writerThread));
        out.await(s -> s.equals("one\n"));

        // More than the terminal holds: what fits is written in place, the rest by the writer thread once cat
        // reads, and a write queued meanwhile comes after it.
        String big = "y".repeat(300_000);
        CompletableFuture<Void> large = cat.writeAsync((big + "\n").getBytes(StandardCharsets.UTF_8));
        CompletableFuture<Void> after = cat.writeAsync("two\n".getBytes(StandardCharsets.UTF_8));
        large.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        after.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(out.await(s -> s.endsWith("two\n"))).isEqualTo("one\n" + big + "\ntwo\n");
    }

    @Test
    void aWriteBlockedOnAFullTerminalIsReleasedWhenTheProgramExits() throws Exception {
        Bytes out = new Bytes();
        // Nobody reads the terminal: the shell does not, and its background child, which keeps the terminal open
        // after the shell exits (it ignores the hangup), does not either.
        TerminalProcess p = start(TerminalProcess.builder("/bin/sh", "-c",
                        "(trap '' HUP; exec sleep 300) & echo orphan=$!; sleep 0.5; exit 6")
                .drainTimeout(Duration.ofMillis(300))
                .output(out));
        long orphan = Long.parseLong(out.await(s -> s.contains("orphan=")).replaceAll("(?s).*orphan=(\\d+).*", "$1"));
        try {
            CompletableFuture<Void> blocked = p.writeAsync(new byte[4 * 1024 * 1024]);
            assertThat(p.waitFor(WAIT)).hasValue(6);
            // The orphan holds the terminal for 300 s, far past WAIT: a write released only when the terminal
            // closes on its own times out here instead (no stopwatch; an 8 s bound could fail on a loaded machine).
            assertThatThrownBy(() -> blocked.get(WAIT.toSeconds(), TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IOException.class);
            assertThatThrownBy(() -> p.writeLine("late")).isInstanceOf(IOException.class)
                    .hasMessageContaining("closed");
        } finally {
            ProcessHandle.of(orphan).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void aSlowListenerStillGetsEverythingWrittenBeforeTheExit() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        TerminalProcess p = start(TerminalProcess.builder("/bin/sh", "-c",
                        "i=0; while [ $i -lt 3000 ]; do echo line-$i; i=$((i+1)); done; exit 2")
                .drainTimeout(Duration.ofMillis(100))
                .output(new LineReader(line -> {
                    lines.add(line);
                    if (lines.size() % 500 == 0) {
                        sleepQuietly(200); // backpressure: 1.2 s in all, long after the program exited
                    }
                })));
        assertThat(p.waitFor(WAIT)).hasValue(2);
        assertThat(lines).hasSize(3000).endsWith("line-2999");
    }

    @Test
    void aDescendantThatKeepsWritingAfterTheExitIsCutOff() throws Exception {
        Bytes out = new Bytes();
        TerminalProcess p = start(TerminalProcess.builder("/bin/sh", "-c",
                        "(trap '' HUP; exec yes) & echo writer=$!; sleep 0.2; exit 5")
                .drainTimeout(Duration.ofMillis(300)) // it holds stderr too
                .output(out));
        long writer = Long.parseLong(out.await(s -> s.contains("writer=")).replaceAll("(?s).*writer=(\\d+).*", "$1"));
        try {
            assertThat(p.waitFor(WAIT)).hasValue(5);
        } finally {
            ProcessHandle.of(writer).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void terminateTakesTheProgramsChildrenWithIt() throws Exception {
        Bytes out = new Bytes();
        TerminalProcess p = start(TerminalProcess.builder("/bin/sh", "-c",
                "sleep 300 & echo child=$!; sh -c 'sleep 300' & echo grandchild-shell=$!; wait").output(out));
        String text = out.await(s -> s.contains("grandchild-shell="));
        long child = Long.parseLong(text.replaceAll("(?s).*child=(\\d+).*", "$1"));
        long other = Long.parseLong(text.replaceAll("(?s).*grandchild-shell=(\\d+).*", "$1"));
        assertThat(ProcessHandle.of(child)).isPresent();
        assertThat(p.terminate(Duration.ofSeconds(2))).isEqualTo(128 + 15);
        assertGone(child);
        assertGone(other);
    }

    @Test
    void sizeIsSetAtStartAndResizeReachesTheProgram() throws Exception {
        List<String> out = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> first = new CompletableFuture<>();
        CompletableFuture<Void> second = new CompletableFuture<>();
        TerminalProcess p = start(TerminalProcess.builder("/bin/sh", "-c", "stty size; read x; stty size")
                .size(120, 40)
                .output(new LineReader(line -> {
                    out.add(line);
                    (out.size() == 1 ? first : second).complete(null);
                })));
        first.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        p.resize(100, 30);
        p.writeLine("go");
        second.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(out).containsExactly("40 120", "30 100");
        assertThat(p.waitFor(WAIT)).hasValue(0);
    }

    @Test
    void theEnvironmentIsExactlyWhatWasGivenPlusTermPathAndHome() throws Exception {
        List<String> out = new CopyOnWriteArrayList<>();
        TerminalProcess p = start(TerminalProcess.builder("/bin/sh", "-c",
                        "echo \"$TERM|$GREETING|${HOME:+home}|${PATH:+path}|${USER_SECRET_X:-none}|$(pwd)\"")
                .environment(java.util.Map.of("GREETING", "hi 'there' $x"))
                .output(new LineReader(out::add)));
        assertThat(p.waitFor(WAIT)).hasValue(0);
        assertThat(out).containsExactly("xterm-256color|hi 'there' $x|home|path|none|" + dir.toRealPath());
    }

    @Test
    void argumentsAreNeverInterpretedByTheWrapperShell() throws Exception {
        Path marker = dir.resolve("injected");
        String hostile = "; touch " + marker + " $(touch " + marker + ") `touch " + marker + "` \"' \\";
        List<String> out = new CopyOnWriteArrayList<>();
        TerminalProcess p = start(TerminalProcess.builder("printf", "%s\\n", hostile)
                .output(new LineReader(out::add)));
        assertThat(p.waitFor(WAIT)).hasValue(0);
        assertThat(out).containsExactly(hostile);
        assertThat(marker).doesNotExist();
    }

    @Test
    void aProgramThatIsNotThereFailsToStartWithAClearMessage() {
        assertThatThrownBy(() -> TerminalProcess.builder("no-such-agent-cli", "--version").directory(dir).start())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("'no-such-agent-cli' was not found on PATH");
        assertThatThrownBy(() -> TerminalProcess.builder("cat").directory(dir.resolve("missing")).start())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("does not exist");
    }

    @Test
    void aDescendantHoldingStderrDoesNotHoldUpTheExit() throws Exception {
        Bytes out = new Bytes();
        // The background sleep ignores the hangup its session gets when the shell exits, and keeps stderr open.
        TerminalProcess p = start(TerminalProcess.builder("/bin/sh", "-c",
                        "echo last words >&2; (trap '' HUP; exec sleep 30) & echo orphan=$!; exit 4")
                .drainTimeout(Duration.ofMillis(300))
                .output(out));
        assertThat(p.waitFor(WAIT)).hasValue(4);
        assertThat(p.stderr().head()).containsExactly("last words");
        long orphan = Long.parseLong(out.await(s -> s.contains("orphan=")).replaceAll("(?s).*orphan=(\\d+).*", "$1"));
        ProcessHandle.of(orphan).ifPresent(ProcessHandle::destroyForcibly);
    }

    @Test
    void theStderrPipeIsReleasedWhenTheProgramNeverOpenedIt() throws Exception {
        NamedPipe pipe = NamedPipe.create();
        assertThat(new ProcessBuilder("mkfifo", pipe.path().toString()).start().waitFor()).isZero();
        CompletableFuture<Void> ended = new CompletableFuture<>();
        pipe.startReader(new TerminalOutput() {
            @Override
            public void accept(byte[] buffer, int length) {
            }

            @Override
            public void end() {
                ended.complete(null);
            }
        });
        pipe.finish(Duration.ofSeconds(2));
        assertThat(ended).isDone();
        assertThat(pipe.path().getParent()).doesNotExist();
    }

    private static void assertGone(long pid) throws InterruptedException {
        Eventually.until("pid " + pid + " gone", WAIT,
                () -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    }

    /** Collects raw output and lets a test wait for it. */
    static final class Bytes implements TerminalOutput {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public synchronized void accept(byte[] buffer, int length) {
            bytes.write(buffer, 0, length);
            notifyAll();
        }

        synchronized String await(Predicate<String> condition) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                String text = bytes.toString(StandardCharsets.UTF_8);
                if (condition.test(text)) {
                    return text;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("not seen; got " + text.length() + " chars: "
                            + text.substring(0, Math.min(200, text.length())));
                }
                wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }
}
