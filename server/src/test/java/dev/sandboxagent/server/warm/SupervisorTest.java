package dev.sandboxagent.server.warm;

import static dev.sandboxagent.server.warm.RecordingListener.state;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.agents.testing.Eventually;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The supervisor against real, cheap processes: sh, sleep and a tiny TCP listener. */
class SupervisorTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path logs;

    private static RestartPolicy fast(Duration first, Duration max, Duration stable) {
        return new RestartPolicy(RestartPolicy.When.ALWAYS, first, max, stable);
    }

    @Test
    void backoffDoublesUpToTheMaximum() {
        RestartPolicy policy = fast(Duration.ofMillis(100), Duration.ofMillis(350), Duration.ofSeconds(1));
        Duration d = policy.next(null);
        assertThat(d).isEqualTo(Duration.ofMillis(100));
        d = policy.next(d);
        assertThat(d).isEqualTo(Duration.ofMillis(200));
        assertThat(policy.next(d)).isEqualTo(Duration.ofMillis(350));
        assertThat(policy.next(Duration.ofMillis(350))).isEqualTo(Duration.ofMillis(350));
    }

    @Test
    void aCrashLoopBacksOffWithGrowingDelays() {
        RecordingListener events = new RecordingListener();
        try (Supervisor supervisor = new Supervisor(logs)) {
            supervisor.onChange(events);
            supervisor.start(WarmProcessSpec.of("crasher", List.of("sh", "-c", "echo boom; exit 3"),
                            ReadinessProbe.running())
                    .withRestart(fast(Duration.ofMillis(100), Duration.ofMillis(400), Duration.ofMinutes(1))));
            events.await(0, s -> s.restarts() >= 3 && s.state() == ProcessState.STARTING, WAIT);
            List<ProcessStatus> seen = events.seen();
            assertThat(seen).anyMatch(s -> s.state() == ProcessState.CRASHED
                    && "exited with status 3".equals(s.lastError()));
            assertThat(events.states()).containsSubsequence(ProcessState.STARTING, ProcessState.CRASHED,
                    ProcessState.BACKING_OFF, ProcessState.STARTING, ProcessState.CRASHED,
                    ProcessState.BACKING_OFF, ProcessState.STARTING);
            // the time spent backing off grows: 100, 200, 400 ms
            List<Long> waits = new java.util.ArrayList<>();
            for (int i = 0; i + 1 < seen.size(); i++) {
                if (seen.get(i).state() == ProcessState.BACKING_OFF) {
                    waits.add(seen.get(i + 1).since() - seen.get(i).since());
                }
            }
            // Lower bounds only: a loaded machine may oversleep any of them, but never wake early.
            assertThat(waits).hasSizeGreaterThanOrEqualTo(3);
            assertThat(waits.get(0)).isGreaterThanOrEqualTo(95L);
            assertThat(waits.get(1)).isGreaterThanOrEqualTo(195L);
            assertThat(waits.get(2)).isGreaterThanOrEqualTo(395L);
            awaitLog(supervisor, "crasher", "boom");
        }
        assertThat(events.states()).last().isEqualTo(ProcessState.STOPPED);
    }

    @Test
    void aProcessThatIsNotToBeRestartedStaysCrashed() {
        RecordingListener events = new RecordingListener();
        try (Supervisor supervisor = new Supervisor(logs)) {
            supervisor.onChange(events);
            supervisor.start(WarmProcessSpec.of("once", List.of("sh", "-c", "exit 7"), ReadinessProbe.running())
                    .withRestart(RestartPolicy.never()));
            events.await(0, state(ProcessState.CRASHED), WAIT);
            ProcessStatus status = supervisor.await("once", s -> false, Duration.ofMillis(300));
            assertThat(status.state()).isEqualTo(ProcessState.CRASHED);
            assertThat(status.restarts()).isZero();
            assertThat(status.pid()).isNull();
        }
    }

    @Test
    void tcpProbeReadinessAndRestartAfterKill9() {
        int port = TinyListener.freePort();
        RecordingListener events = new RecordingListener();
        try (Supervisor supervisor = new Supervisor(logs)) {
            supervisor.onChange(events);
            supervisor.start(WarmProcessSpec.of("listener", TinyListener.command(port, 300),
                            ReadinessProbe.tcp("127.0.0.1", port))
                    .withRestart(fast(Duration.ofMillis(200), Duration.ofSeconds(2), Duration.ofMinutes(1)))
                    .withTimeouts(Duration.ofSeconds(30), Duration.ofMillis(100), Duration.ofSeconds(5)));
            int ready = events.await(0, state(ProcessState.READY), WAIT);
            long firstPid = events.seen().get(ready).pid();
            ProcessHandle.of(firstPid).orElseThrow().destroyForcibly(); // kill -9

            int crashed = events.await(ready, state(ProcessState.CRASHED), WAIT);
            assertThat(events.seen().get(crashed).lastError()).isEqualTo("killed by signal 9");
            int again = events.await(crashed, state(ProcessState.READY), WAIT);
            ProcessStatus status = events.seen().get(again);
            assertThat(status.pid()).isNotEqualTo(firstPid);
            assertThat(status.restarts()).isEqualTo(1);
            assertThat(ProcessReadiness.answers(port)).isTrue();
            // Ready means the port answers; the line the listener prints right after binding may still be on its
            // way through the log pump, so wait for it rather than race it.
            List<String> lines = awaitLog(supervisor, "listener", "listening on " + port);
            assertThat(lines).anyMatch(l -> l.contains("killed by signal 9"));
        }
    }

    private static List<String> awaitLog(Supervisor supervisor, String name, String line) {
        List<String> tail = Eventually.await("'" + line + "' in the log of " + name, WAIT,
                () -> supervisor.log(name).tail(50), t -> t.contains(line));
        assertThat(tail).contains(line);
        return tail;
    }

    @Test
    void stopSendsTermThenKillsTheWholeGroupAfterTheGrace() throws Exception {
        Path childPid = logs.resolve("child.pid");
        RecordingListener events = new RecordingListener();
        long pid;
        long child;
        try (Supervisor supervisor = new Supervisor(logs)) {
            supervisor.onChange(events);
            // Ignores TERM, and so does its child (an ignored signal stays ignored across exec).
            supervisor.start(WarmProcessSpec.of("stubborn", List.of("sh", "-c",
                            "trap '' TERM; sleep 300 & echo $! > " + childPid + "; wait"),
                            ReadinessProbe.command(List.of("test", "-s", childPid.toString())))
                    .withTimeouts(Duration.ofSeconds(30), Duration.ofMillis(100), Duration.ofMillis(500)));
            int ready = events.await(0, state(ProcessState.READY), WAIT);
            pid = events.seen().get(ready).pid();
            child = Long.parseLong(java.nio.file.Files.readString(childPid).trim());
            assertThat(ProcessHandle.of(child)).isPresent();
            long before = System.nanoTime();
            supervisor.stop("stubborn");
            assertThat(Duration.ofNanos(System.nanoTime() - before)).isGreaterThanOrEqualTo(Duration.ofMillis(450));
        }
        assertThat(ProcessGroup.isRunning(pid)).isFalse();
        assertThat(ProcessGroup.isRunning(child)).as("the child").isFalse();
        assertThat(events.states()).containsSubsequence(ProcessState.READY, ProcessState.STOPPING,
                ProcessState.STOPPED);
    }

    @Test
    void aRequestedRestartStartsAFreshProcessAtOnce() {
        RecordingListener events = new RecordingListener();
        try (Supervisor supervisor = new Supervisor(logs)) {
            supervisor.onChange(events);
            supervisor.start(WarmProcessSpec.of("sleeper", List.of("sleep", "300"), ReadinessProbe.running())
                    .withTimeouts(Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofSeconds(5)));
            int ready = events.await(0, state(ProcessState.READY), WAIT);
            long first = events.seen().get(ready).pid();
            supervisor.restart("sleeper");
            int again = events.await(ready + 1, state(ProcessState.READY), WAIT);
            assertThat(events.seen().get(again).pid()).isNotEqualTo(first);
            assertThat(events.seen().get(again).restarts()).isEqualTo(1);
            assertThat(events.states().subList(ready, again + 1)).doesNotContain(ProcessState.BACKING_OFF,
                    ProcessState.CRASHED);
        }
    }

    @Test
    void aProcessThatNeverBecomesReadyIsRestarted() {
        RecordingListener events = new RecordingListener();
        try (Supervisor supervisor = new Supervisor(logs)) {
            supervisor.onChange(events);
            supervisor.start(new WarmProcessSpec("deaf", List.of("sleep", "300"), Map.of("X", "1"), null,
                    ReadinessProbe.command(List.of("false")),
                    fast(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofMinutes(1)),
                    Duration.ofMillis(400), Duration.ofMillis(100), Duration.ofSeconds(2), null));
            int crashed = events.await(0, state(ProcessState.CRASHED), WAIT);
            assertThat(events.seen().get(crashed).lastError()).startsWith("not ready within");
            events.await(crashed, s -> s.state() == ProcessState.STARTING && s.restarts() == 1, WAIT);
        }
    }

    /** Whether something accepts connections on the loopback port. */
    static final class ProcessReadiness {
        static boolean answers(int port) {
            return ReadinessProbe.tcp("127.0.0.1", port).check(Duration.ofSeconds(2)).isEmpty();
        }
    }
}
