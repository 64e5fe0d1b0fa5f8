package dev.sandboxagent.agents.pty;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM that ran terminals leaves no copy of pty4j's or JNA's native library in its temporary directory, and JNA made
 * no directory of its own in the user's cache (0755 directories of the user's, outside the data directory).
 */
class PtyNativesTest {
    @TempDir
    Path tmp;

    /** Runs in a child JVM: two terminals, one after the other, then exits. */
    public static void main(String[] args) throws Exception {
        for (int i = 0; i < 2; i++) {
            TerminalProcess p = TerminalProcess.builder("/bin/sh", "-c", "exit 0").start();
            if (p.waitFor(Duration.ofSeconds(20)).orElse(-1) != 0) {
                System.exit(3);
            }
        }
        System.exit(0);
    }

    @Test
    void theNativeLibrarysCopyIsGoneOnceLoadedAndLaterTerminalsStillStart() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(List.of(java, "-Djava.io.tmpdir=" + tmp,
                "-cp", System.getProperty("java.class.path"), PtyNativesTest.class.getName()))
                .redirectErrorStream(true);
        builder.environment().put("XDG_CACHE_HOME", tmp.resolve("cache").toString()); // JNA's default's parent
        Process child = builder.start();
        String output = new String(child.getInputStream().readAllBytes());
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as(output).isZero();
        try (Stream<Path> left = Files.list(tmp)) {
            // pty4j's own default would leave pty4j-linux-x86-64-<random>/libpty.so here; the private directories
            // (sandbox-agent-pty4j-*, sandbox-agent-jna-*) are gone once the libraries are loaded
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("pty4j"))
                    .noneMatch(n -> n.contains("jna"));
        }
        // JNA's own default: $XDG_CACHE_HOME/JNA/temp, made 0755
        assertThat(tmp.resolve("cache/JNA")).doesNotExist();
    }
}
