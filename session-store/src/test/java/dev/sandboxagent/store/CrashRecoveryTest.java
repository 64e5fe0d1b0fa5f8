package dev.sandboxagent.store;

import static dev.sandboxagent.store.StoreTesting.oneTo;
import static dev.sandboxagent.store.StoreTesting.readAll;
import static dev.sandboxagent.store.StoreTesting.sequences;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
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
        Path dataDir = tempDir.resolve("data");
        List<Long> seen = new ArrayList<>();

        // Twice: the second child recovers the store the first one left behind when it was killed.
        for (int run = 1; run <= 2; run++) {
            List<Long> seenThisRun = runAndKill(dataDir, tempDir.resolve("child-" + run + ".err"));
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
    private static List<Long> runAndKill(Path dataDir, Path stderr) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                CrashingAppender.class.getName(), dataDir.toString())
                .redirectError(stderr.toFile())
                .start();
        List<Long> seen = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while (seen.size() < SEEN_BEFORE_KILL && (line = out.readLine()) != null) {
                seen.add(Long.parseLong(line));
            }
            assertThat(seen).as("sequences the child reported before it stopped; its stderr: %s",
                    Files.readString(stderr)).hasSizeGreaterThanOrEqualTo(SEEN_BEFORE_KILL);
            // SIGKILL through the handle: Process.destroyForcibly() would also close our end of its stdout.
            child.toHandle().destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            // What it printed between our last read and its death was seen by "a client" too.
            while ((line = out.readLine()) != null) {
                seen.add(Long.parseLong(line));
            }
        } finally {
            child.destroyForcibly();
        }
        return seen;
    }
}
