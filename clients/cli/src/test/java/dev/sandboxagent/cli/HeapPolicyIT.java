package dev.sandboxagent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.cli.support.Launcher;
import dev.sandboxagent.cli.support.Ports;
import dev.sandboxagent.cli.support.Processes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
                .contains("-XX:TieredStopAtLevel=1")
                // the turn's code compiled sooner (docs/benchmarks.md "Turn cost, session 8")
                .contains("-XX:CompileCommand=CompileThresholdScaling,io.netty.*::*,0.25")
                .contains("-XX:CompileCommand=CompileThresholdScaling,io.vertx.*::*,0.25")
                .contains("-XX:CompileCommand=CompileThresholdScaling,com.fasterxml.jackson.core.*::*,0.25")
                .contains("-XX:CompileCommand=CompileThresholdScaling,dev.sandboxagent.*::*,0.25");
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

    @Test
    void aHeapBoundOfTheUserBelowOurInitialHeapReplacesOurSizes() throws Exception {
        // the JVM refuses to start with -Xmx below -Xms: a user's -Xmx12m must not meet the launcher's -Xms16m
        String flags = flagsOfAServer(Launcher.inTemp(work).env("SANDBOX_AGENT_JAVA_OPTS", "-Xmx12m"));

        assertThat(flags).contains("-XX:+UseSerialGC")
                .contains("-XX:MaxHeapSize=12582912")
                .doesNotContain("-XX:MaxNewSize=33554432");
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
