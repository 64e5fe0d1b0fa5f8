package dev.sandboxagent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.cli.support.Launcher;
import dev.sandboxagent.cli.support.Ports;
import dev.sandboxagent.cli.support.Processes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's default heap policy (bin/sandbox-agent, docs/operations.md): the launcher starts {@code server} with
 * it, and SANDBOX_AGENT_JAVA_OPTS overrides it. Read from the running JVM itself ({@code jcmd PID VM.flags}), so what
 * is checked is what the JVM made of the command line, not the command line.
 */
class HeapPolicyIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path work;

    @AfterEach
    void noServerLeftBehind() {
        Processes.killAll(Processes.serversFor(work));
    }

    @Test
    void theServerRunsWithTheSerialCollectorAndABoundedHeapByDefault() throws Exception {
        String flags = flagsOfAServer(Launcher.inTemp(work));

        assertThat(flags).contains("-XX:+UseSerialGC").doesNotContain("-XX:+UseG1GC")
                .contains("-XX:MaxRAMPercentage=25.000000")
                .contains("-XX:InitialHeapSize=16777216")
                .contains("-XX:MaxNewSize=33554432")
                .contains("-XX:MaxHeapFreeRatio=30")
                .contains("-XX:MaxMetaspaceSize=134217728")
                .contains("-XX:TrimNativeHeapInterval=5000")
                // less JIT work at start (docs/benchmarks.md "JIT policy for the server")
                .contains("-XX:TieredStopAtLevel=1");
    }

    @Test
    void sandboxAgentJavaOptsWinOverTheDefaultPolicy() throws Exception {
        String flags = flagsOfAServer(Launcher.inTemp(work)
                .env("SANDBOX_AGENT_JAVA_OPTS",
                        "-XX:+UseG1GC -Xmx96m -XX:MaxMetaspaceSize=200m -XX:TieredStopAtLevel=4"));

        assertThat(flags).contains("-XX:+UseG1GC").doesNotContain("-XX:+UseSerialGC")
                .contains("-XX:MaxHeapSize=100663296")
                .contains("-XX:MaxMetaspaceSize=209715200")
                .contains("-XX:TieredStopAtLevel=4");
    }

    /**
     * With its start-up archive, the server maps it at the address it was made for rather than relocating it
     * (docs/benchmarks.md "Server start and idle RSS"). Checked on an install this test lays out and trains itself
     * (bin/ and lib/, as dist/build.sh does), so neither the build's archives nor their age matter.
     */
    @Test
    void aServerWithItsArchiveMapsItWithoutRelocatingIt() throws Exception {
        Launcher built = Launcher.inTemp(work);
        Path install = work.resolve("install");
        Files.createDirectories(install.resolve("bin"));
        Files.createDirectories(install.resolve("lib"));
        Path script = install.resolve("bin/sandbox-agent");
        Files.copy(built.script(), script);
        Files.copy(built.script().resolveSibling("../clients/cli/target/sandbox-agent.jar").normalize(),
                install.resolve("lib/sandbox-agent.jar"));
        Launcher installed = built.withScript(script);

        // the training run writes <archive>.new when it stops; the build renames it into place
        Launcher.Started training = installed.env("SANDBOX_AGENT_CDS", "record").start("train", "server",
                "--no-token", "--port", Integer.toString(Ports.free()),
                "--data-dir", work.resolve("train").toString());
        training.awaitLine("listening on", WAIT);
        Processes.terminate(ProcessHandle.of(training.pid()).orElseThrow(), Duration.ofSeconds(60));
        Path trained;
        try (var files = Files.list(install.resolve("lib"))) {
            trained = files.filter(f -> f.getFileName().toString()
                            .matches("sandbox-agent-server-\\d+\\.jsa\\.new"))
                    .findFirst().orElseThrow(() -> new AssertionError("no archive written: " + training.output()));
        }
        Files.move(trained, trained.resolveSibling(trained.getFileName().toString().replace(".new", "")));

        String flags = flagsOfAServer(installed);
        assertThat(flags).contains("-XX:SharedArchiveFile=" + install.resolve("lib").toRealPath())
                .contains("-XX:ArchiveRelocationMode=0");
        // without an archive there is nothing to map, and no diagnostic flag either
        assertThat(flagsOfAServer(installed.env("SANDBOX_AGENT_CDS", "off")))
                .doesNotContain("SharedArchiveFile").doesNotContain("ArchiveRelocationMode");
    }

    /** Starts {@code sandbox-agent server}, reads the running JVM's flags, then stops it by its PID. */
    private String flagsOfAServer(Launcher launcher) throws Exception {
        Launcher.Started server = launcher.start("server", "server", "--no-token", "--port",
                Integer.toString(Ports.free()), "--data-dir", work.resolve("data").toString());
        server.awaitLine("listening on", WAIT);
        try {
            // the launcher execs java, so the process it started is the server's JVM
            return jcmd(server.pid(), "VM.flags");
        } finally {
            Processes.terminate(ProcessHandle.of(server.pid()).orElseThrow(), Duration.ofSeconds(30));
        }
    }

    private String jcmd(long pid, String command) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process process = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command)
                .redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("jcmd finished").isTrue();
        assertThat(process.exitValue()).as(out).isZero();
        return out;
    }
}
