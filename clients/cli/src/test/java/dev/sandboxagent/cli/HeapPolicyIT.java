package dev.sandboxagent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.cli.support.Launcher;
import dev.sandboxagent.cli.support.Processes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    // Serial's heap summary: " def new generation   total 4928K, used 1234K [...]" (JDK 25: "DefNew   total ...").
    private static final Pattern YOUNG = Pattern.compile("(?:def new generation|DefNew)\\s+total (\\d+)K");
    private static final Pattern OLD = Pattern.compile("(?:tenured generation|Tenured)\\s+total (\\d+)K");

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
                // a young generation that starts at 2 MB (all of it is touched by the start's garbage, so its size
                // is idle RSS: docs/benchmarks.md "Idle RSS, session 10") and follows the old one at full collections
                .contains("-XX:NewSize=2097152")
                .contains("-XX:NewRatio=1")
                // room in the old generation after a full collection (docs/benchmarks.md "Stream throughput, session 9")
                .contains("-XX:MinHeapFreeRatio=40")
                .contains("-XX:MaxHeapFreeRatio=70")
                .contains("-XX:MaxMetaspaceSize=134217728")
                .contains("-XX:TrimNativeHeapInterval=5000")
                // less JIT work at start (docs/benchmarks.md "JIT policy for the server")
                .contains("-XX:TieredStopAtLevel=1")
                // the turn's code compiled sooner (docs/benchmarks.md "Turn cost, session 8")
                .contains("-XX:CompileCommand=CompileThresholdScaling,io.netty.*::*,0.25")
                .contains("-XX:CompileCommand=CompileThresholdScaling,io.vertx.*::*,0.25")
                .contains("-XX:CompileCommand=CompileThresholdScaling,com.fasterxml.jackson.core.*::*,0.25")
                .contains("-XX:CompileCommand=CompileThresholdScaling,dev.sandboxagent.*::*,0.25")
                // JDK 25's one large compilation of the start, its arena resident for ~10 s (docs/benchmarks.md
                // "Idle RSS and start of the distribution, session 18"); a JDK without the class accepts it too
                .contains("-XX:CompileCommand=exclude,jdk.internal.classfile.impl.StackMapGenerator::processBlock");
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

    @Test
    void theYoungGenerationStartsSmallAndGrowsWithTheOldAtAFullCollection() throws Exception {
        // Idle, the young generation is 2 MB (the start's garbage cycles through all of it, so every page of it is
        // resident at idle: docs/benchmarks.md "Idle RSS, session 10"); a full collection, as a burst of events
        // brings, resizes it to the old generation's size (NewRatio=1), so a stream's events in flight die young
        // instead of being promoted.
        long[] sizes = youngBeforeAndYoungAndOldAfterAFullCollection(Launcher.inTemp(work));

        assertThat(sizes[0]).as("young generation capacity at start, KiB").isLessThanOrEqualTo(2048);
        // "total" is eden and one survivor space, 90% of the generation: at least 80% of the old one's means the
        // generation follows the old one (with NewRatio=2 it stayed at its start size, 4,992 against 10,944 KiB)
        assertThat(sizes[1]).as("young generation capacity after a full collection, KiB (old: %d KiB)", sizes[2])
                .isGreaterThan(sizes[0]).isGreaterThanOrEqualTo(sizes[2] * 8 / 10);
    }

    /** Starts {@code sandbox-agent server}, reads the running JVM's flags, then stops it by its PID. */
    private String flagsOfAServer(Launcher launcher) throws Exception {
        Launcher.Started server = startServer(launcher);
        try {
            // the launcher execs java, so the process it started is the server's JVM
            return jcmd(server.pid(), "VM.flags");
        } finally {
            Processes.terminate(ProcessHandle.of(server.pid()).orElseThrow(), Duration.ofSeconds(30));
        }
    }

    /**
     * Of a started server, in KiB: the young generation's capacity (eden and one survivor space), then after GC.run
     * the young and the old generation's.
     */
    private long[] youngBeforeAndYoungAndOldAfterAFullCollection(Launcher launcher) throws Exception {
        Launcher.Started server = startServer(launcher);
        try {
            long before = capacityKib(jcmd(server.pid(), "GC.heap_info"), YOUNG);
            jcmd(server.pid(), "GC.run"); // System.gc(): with Serial, a full collection
            String after = jcmd(server.pid(), "GC.heap_info");
            return new long[] {before, capacityKib(after, YOUNG), capacityKib(after, OLD)};
        } finally {
            Processes.terminate(ProcessHandle.of(server.pid()).orElseThrow(), Duration.ofSeconds(30));
        }
    }

    private static long capacityKib(String heapInfo, Pattern generation) {
        Matcher total = generation.matcher(heapInfo);
        assertThat(total.find()).as(heapInfo).isTrue();
        return Long.parseLong(total.group(1));
    }

    private Launcher.Started startServer(Launcher launcher) throws Exception {
        // Port 0: the server binds whichever is free (a port picked beforehand could be taken meanwhile).
        Launcher.Started server = launcher.start("server", "server", "--no-token", "--port", "0",
                "--data-dir", work.resolve("data").toString());
        server.awaitLine("listening on", WAIT);
        return server;
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
