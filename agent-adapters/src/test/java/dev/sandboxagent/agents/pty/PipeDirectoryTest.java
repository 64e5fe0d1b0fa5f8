package dev.sandboxagent.agents.pty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A terminal's stderr FIFO (and stdin FIFO) live in a private directory of the temporary directory only until both
 * ends are open: while the program runs there is nothing left there, so a server killed with SIGKILL (no cleanup)
 * leaves nothing behind for its agents. Before, each killed server left an empty directory per live terminal.
 */
class PipeDirectoryTest {
    private static final String PREFIX = "sandbox-agent-pty-";

    @TempDir
    Path tmp;

    /** Runs in a child JVM with its own java.io.tmpdir: each kind of terminal, checked while its program runs. */
    public static void main(String[] args) throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        for (boolean stdinPipe : new boolean[] {false, true}) {
            TerminalProcess p = TerminalProcess.builder("/bin/sh", "-c", "sleep 3").stdinPipe(stdinPipe).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            List<String> left = pipeDirectories(tmp);
            while (!left.isEmpty() && System.nanoTime() - deadline < 0) {
                Thread.sleep(10);
                left = pipeDirectories(tmp);
            }
            boolean running = p.isAlive();
            System.out.println("stdinPipe=" + stdinPipe + " running=" + running + " left=" + left);
            if (p.waitFor(Duration.ofSeconds(20)).orElse(-1) != 0 || !running || !left.isEmpty()) {
                System.exit(4);
            }
        }
        System.exit(pipeDirectories(tmp).isEmpty() ? 0 : 5);
    }

    private static List<String> pipeDirectories(Path tmp) throws IOException {
        try (Stream<Path> entries = Files.list(tmp)) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(PREFIX)).toList();
        }
    }

    @Test
    void noPipeDirectoryIsLeftWhileTheProgramRunsNorAfterItEnds() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(List.of(java, "-Djava.io.tmpdir=" + tmp,
                "-cp", System.getProperty("java.class.path"), PipeDirectoryTest.class.getName()))
                .redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes());
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as(output).isZero();
        assertThat(output).contains("stdinPipe=false running=true left=[]", "stdinPipe=true running=true left=[]");
        assertThat(pipeDirectories(tmp)).isEmpty();
    }
}
