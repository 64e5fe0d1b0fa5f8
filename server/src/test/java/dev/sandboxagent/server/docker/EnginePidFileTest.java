package dev.sandboxagent.server.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.agents.testing.Eventually;
import dev.sandboxagent.server.warm.ProcessGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a server knows the dockerd its data dir started from any other process: real processes, no engine. A copy of
 * {@code sleep} named {@code dockerd} stands in for an orphaned dockerd (only the program name and the process's
 * identity matter here; {@code CrashedServerEngineTest} does it with a real one).
 */
class EnginePidFileTest {
    @TempDir
    Path dir;

    private Process process;

    @AfterEach
    void stop() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Process start(String programName) throws Exception {
        Path program = dir.resolve("bin").resolve(programName);
        Files.createDirectories(program.getParent());
        Files.copy(Path.of(Files.isExecutable(Path.of("/bin/sleep")) ? "/bin/sleep" : "/usr/bin/sleep"), program);
        program.toFile().setExecutable(true);
        process = new ProcessBuilder(program.toString(), "600").start();
        return process;
    }

    @Test
    void theDockerdItRecordedIsKnownAndStoppedWithTerm() throws Exception {
        Process dockerd = start("dockerd");
        EnginePidFile file = new EnginePidFile(dir.resolve("data"));
        file.write(dockerd.pid());
        assertThat(Files.readString(file.file())).startsWith(dockerd.pid() + " ");
        assertThat(Files.getPosixFilePermissions(file.file()))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));

        assertThat(file.orphan()).contains(dockerd.pid());
        assertThat(EnginePidFile.stop(dockerd.pid(), Duration.ofSeconds(10))).isTrue();
        assertThat(dockerd.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(dockerd.exitValue()).as("ended by TERM").isEqualTo(128 + 15);
    }

    @Test
    void aProcessThatIsNoDockerdIsNotOursAndTheStaleFileGoes() throws Exception {
        Process other = start("sleep");
        EnginePidFile file = new EnginePidFile(dir.resolve("data"));
        file.write(other.pid());

        assertThat(file.orphan()).isEmpty();
        assertThat(file.file()).doesNotExist();
        assertThat(ProcessGroup.isRunning(other.pid())).as("left alone").isTrue();
    }

    @Test
    void aReusedPidIsNotOurs() throws Exception {
        // A dockerd with the recorded PID but another start time: what PID reuse (or a reboot) looks like.
        Process dockerd = start("dockerd");
        EnginePidFile file = new EnginePidFile(dir.resolve("data"));
        file.write(dockerd.pid());
        List<String> fields = List.of(Files.readString(file.file()).strip().split(" "));
        Files.writeString(file.file(), fields.get(0) + " " + (Long.parseLong(fields.get(1)) - 1) + " "
                + fields.get(2) + "\n");

        assertThat(file.orphan()).isEmpty();
        assertThat(file.file()).doesNotExist();
        assertThat(ProcessGroup.isRunning(dockerd.pid())).as("left alone").isTrue();
    }

    @Test
    void aDockerdThatIsGoneLeavesNothingToDo() throws Exception {
        Process dockerd = start("dockerd");
        EnginePidFile file = new EnginePidFile(dir.resolve("data"));
        file.write(dockerd.pid());
        dockerd.destroyForcibly();
        dockerd.waitFor(10, TimeUnit.SECONDS);

        assertThat(file.orphan()).isEmpty();
        assertThat(file.file()).doesNotExist();
    }

    @Test
    void aDockerdThatIgnoresTermIsKilledAfterTheGrace() throws Exception {
        // bash named dockerd, ignoring TERM, with a child in its process group (as containerd is in dockerd's)
        Path program = dir.resolve("bin").resolve("dockerd");
        Files.createDirectories(program.getParent());
        Files.copy(Path.of("/bin/bash"), program);
        process = new ProcessBuilder("setsid", program.toString(), "-c", "trap '' TERM; sleep 600 & wait")
                .start();
        long pid = process.pid();
        Eventually.until("bash started its sleep", Duration.ofSeconds(10),
                () -> ProcessHandle.of(pid).map(h -> h.children().count()).orElse(0L) > 0);
        // setsid execs in place when it is not a group leader: the pid is bash's
        long child = ProcessHandle.of(pid).orElseThrow().children().findFirst().orElseThrow().pid();
        EnginePidFile file = new EnginePidFile(dir.resolve("data"));
        file.write(pid);
        assertThat(file.orphan()).contains(pid);

        assertThat(EnginePidFile.stop(pid, Duration.ofMillis(500))).isTrue();
        assertThat(ProcessGroup.isRunning(pid)).isFalse();
        assertThat(ProcessGroup.isRunning(child)).as("its process group is killed too").isFalse();
    }
}
