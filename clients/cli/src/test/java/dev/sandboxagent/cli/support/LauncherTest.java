package dev.sandboxagent.cli.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test launcher's own reading of a live process's output. */
class LauncherTest {
    @TempDir
    Path dir;

    /** A line the server is still writing is not an answer: its fragment would name another port. */
    @Test
    void awaitLineTakesOnlyANewlineEndedLine() throws Exception {
        Path out = dir.resolve("out.txt");
        Path err = Files.createFile(dir.resolve("err.txt"));
        Files.writeString(out, "starting\nsandbox-agent listening on http://127.0.0.1:4");
        Process alive = new ProcessBuilder("sleep", "600").start();
        try {
            Launcher.Started started = new Launcher.Started(alive, out, err);
            assertThatThrownBy(() -> started.awaitLine("listening on", Duration.ofMillis(300)))
                    .isInstanceOf(AssertionError.class).hasMessageContaining("not printed within");
            Files.writeString(out, "5678 (no token: --no-token)\n", StandardCharsets.UTF_8,
                    StandardOpenOption.APPEND);
            assertThat(started.awaitLine("listening on", Duration.ofSeconds(60)))
                    .isEqualTo("sandbox-agent listening on http://127.0.0.1:45678 (no token: --no-token)");
        } finally {
            alive.destroyForcibly();
        }
    }

    @Test
    void completeLinesDropAnUnterminatedTail() {
        assertThat(Launcher.completeLines("")).isEmpty();
        assertThat(Launcher.completeLines("partial")).isEmpty();
        assertThat(Launcher.completeLines("one\ntwo\nthr")).containsExactly("one", "two");
        assertThat(Launcher.completeLines("one\n\ntwo\n")).containsExactly("one", "", "two");
    }
}
