package dev.sandboxagent.store;

import static dev.sandboxagent.store.StoreTesting.oneTo;
import static dev.sandboxagent.store.StoreTesting.readAll;
import static dev.sandboxagent.store.StoreTesting.sequences;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** "An event a client saw is never lost": a writer killed with SIGKILL mid-stream loses nothing it reported. */
class CrashRecoveryTest {
    private static final int SEEN_BEFORE_KILL = 3_000;

    @TempDir
    Path tempDir;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void everyReportedEventSurvivesKillDashNineAndNumberingContinues() throws Exception {
        killTwiceAndCheck(SEEN_BEFORE_KILL, 0);
    }

    /**
     * The same with 2 KB events, killed after ~40 MB: past the WAL's limit twice, so the kill lands while the
     * checkpointer copies the WAL into the database file or the writer catches up (commits are not synced one by
     * one: what a kill -9 must not take is in the WAL, or already in the file).
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void everyReportedEventSurvivesKillDashNineAmidCheckpointsOfAHeavyStream() throws Exception {
        killTwiceAndCheck(20_000, 2_000);
    }

    /** CI saw "1467" after 14671: the kill had cut "14672" short, and the reader took the fragment as reported. */
    @Test
    void aLineTheKillCutShortIsNotCountedAsReported() throws IOException {
        BufferedReader in = new BufferedReader(new StringReader("14670\n14671\n1467"));
        assertThat(completeLine(in)).isEqualTo("14670");
        assertThat(completeLine(in)).isEqualTo("14671");
        assertThat(completeLine(in)).isNull();
    }

    private void killTwiceAndCheck(int seenBeforeKill, int padding) throws Exception {
        Path dataDir = tempDir.resolve("data");
        List<Long> seen = new ArrayList<>();

        // Twice: the second child recovers the store the first one left behind when it was killed.
        for (int run = 1; run <= 2; run++) {
            List<Long> seenThisRun = runAndKill(dataDir, tempDir.resolve("child-" + run + ".err"), seenBeforeKill,
                    padding);
            assertThat(seenThisRun).as("run %d reported sequences", run).isSorted().doesNotHaveDuplicates();
            if (!seen.isEmpty()) {
                assertThat(seenThisRun.get(0)).isGreaterThan(seen.get(seen.size() - 1));
            }
            seen.addAll(seenThisRun);
        }

        try (SessionStore store = SessionStore.openSqlite(dataDir)) {
            List<Long> stored = sequences(readAll(store, "crash"));
            assertThat(stored).isEqualTo(oneTo(stored.size()));
            assertThat(stored).containsAll(seen);
            assertThat(store.get("crash").orElseThrow().lastSequence()).isEqualTo(stored.size());
            assertThat(store.get("crash").orElseThrow().state()).isEqualTo(SessionState.INTERRUPTED);
        }
    }

    /** Starts a child appender, reads what it reports, kills it after a few thousand events, returns all it saw. */
    private static List<Long> runAndKill(Path dataDir, Path stderr, int seenBeforeKill, int padding)
            throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                CrashingAppender.class.getName(), dataDir.toString(), Integer.toString(padding))
                .redirectError(stderr.toFile())
                .start();
        List<Long> seen = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while (seen.size() < seenBeforeKill && (line = completeLine(out)) != null) {
                seen.add(Long.parseLong(line));
            }
            assertThat(seen).as("sequences the child reported before it stopped; its stderr: %s",
                    Files.readString(stderr)).hasSizeGreaterThanOrEqualTo(seenBeforeKill);
            // SIGKILL through the handle: Process.destroyForcibly() would also close our end of its stdout.
            child.toHandle().destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            // What it printed between our last read and its death was seen by "a client" too; a line the kill cut
            // short was not (a batch larger than the child's buffer or a pipe write reaches us in pieces).
            while ((line = completeLine(out)) != null) {
                seen.add(Long.parseLong(line));
            }
        } finally {
            child.destroyForcibly();
        }
        return seen;
    }

    /** The next line ended by a newline, or null at the end of the stream: an unterminated tail is dropped. */
    static String completeLine(BufferedReader in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                return line.toString();
            }
            line.append((char) c);
        }
        return null;
    }
}
