package dev.sandboxagent.agents.acp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sandboxagent.agents.AgentEvent;
import dev.sandboxagent.agents.install.Installation;
import dev.sandboxagent.agents.testing.AcpAgents;
import dev.sandboxagent.agents.testing.AcpWire;
import dev.sandboxagent.agents.testing.FakeAnthropic;
import dev.sandboxagent.agents.testing.FakeGemini;
import dev.sandboxagent.agents.testing.RealAgents;
import dev.sandboxagent.schema.EventType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link AcpProtocol} driving the real CLIs from npm, live, under our PTY, against the fake providers: the protocol
 * alone decides every line sent (requests and the permission answer) and reads every line received, as the
 * server's process class will. One turn runs a shell command in the working directory after a permission request
 * answered "once"; a second turn shows the session continues. Slow (opencode takes over a minute on a busy
 * 2-core machine), so one test per agent.
 */
class AcpLiveTest {
    private static final Duration WAIT = Duration.ofMinutes(4);

    @TempDir
    Path root;

    @Test
    void opencodeRunsAPermittedShellCommandThroughTheProtocol() throws Exception {
        Installation opencode = RealAgents.require("opencode", AcpAgents.OPENCODE);
        try (FakeAnthropic fake = new FakeAnthropic()) {
            AcpAgents.Launch launch = AcpAgents.opencode(opencode.executable(), root, fake.baseUrl(),
                    "sk-ant-live-test", true);
            run(launch, false, "RUN_BASH: echo live > live.txt; cat live.txt");
        }
    }

    @Test
    void geminiRunsAPermittedShellCommandThroughTheProtocol() throws Exception {
        Installation gemini = RealAgents.require("gemini", AcpAgents.GEMINI);
        try (FakeGemini fake = new FakeGemini()) {
            AcpAgents.Launch launch = AcpAgents.gemini(gemini.executable(), root, fake.baseUrl(), "gemini-live-test",
                    List.of());
            // gemini must have stdin on a pipe: with stdin on the terminal it never answers initialize
            run(launch, true, "RUN_SHELL: echo live > live.txt; cat live.txt");
        }
    }

    private void run(AcpAgents.Launch launch, boolean stdinPipe, String toolPrompt) throws Exception {
        Path cwd = Files.createDirectories(root.resolve("cwd"));
        try (AcpWire wire = AcpWire.pty(launch.command(), cwd, launch.env(), stdinPipe, new AcpWire.Transcript())) {
            wire.passive();
            Driver driver = new Driver(wire);
            driver.apply(AcpProtocol.initialize(driver.state, "sandbox-agent-test", "0.0.1"));
            driver.until(o -> o instanceof AcpOutput.Answered a && a.method().equals("initialize"));
            driver.apply(AcpProtocol.newSession(driver.state, cwd.toString()));
            AcpOutput.Answered created = (AcpOutput.Answered) driver.until(
                    o -> o instanceof AcpOutput.Answered a && a.method().equals("session/new"));
            assertThat(created.error()).isNull();
            assertThat(driver.state.sessionId()).isNotBlank();

            driver.apply(AcpProtocol.prompt(driver.state, toolPrompt, "turn-1"));
            AcpOutput.TurnFinished first = (AcpOutput.TurnFinished) driver.until(
                    o -> o instanceof AcpOutput.TurnFinished);

            assertThat(first.stopReason()).isEqualTo("end_turn");
            assertThat(Files.readString(cwd.resolve("live.txt"))).isEqualTo("live\n");
            assertThat(driver.events(EventType.PERMISSION_REQUESTED)).singleElement()
                    .satisfies(e -> assertThat(e.data().path("action").asText()).contains("echo live"));
            assertThat(driver.events(EventType.PERMISSION_RESOLVED)).singleElement()
                    .satisfies(e -> assertThat(e.data().path("status").asText()).isEqualTo("accept"));
            assertThat(driver.completed("tool_result")).singleElement()
                    .satisfies(i -> assertThat(i.path("status").asText()).isEqualTo("completed"));
            assertThat(driver.completed("message")).last()
                    .satisfies(i -> assertThat(i.path("content").path(0).path("text").asText())
                            .startsWith("FAKE_DONE: tool said:").contains("live"));

            driver.apply(AcpProtocol.prompt(driver.state, "say hi", "turn-2"));
            AcpOutput.TurnFinished second = (AcpOutput.TurnFinished) driver.until(
                    o -> o instanceof AcpOutput.TurnFinished);
            assertThat(second.stopReason()).isEqualTo("end_turn");
            assertThat(driver.completed("message")).last()
                    .satisfies(i -> assertThat(i.path("content").path(0).path("text").asText())
                            .isEqualTo("FAKE_REPLY: you said say hi"));
            assertThat(driver.events(EventType.AGENT_UNPARSED)).isEmpty();
        }
    }

    /** Plays the process's part: writes what the protocol says, feeds it every line, answers permissions once. */
    private static final class Driver {
        private final AcpWire wire;
        private final List<AgentEvent> events = new ArrayList<>();
        private AcpProtocol.State state = AcpProtocol.State.initial(null);
        private int read;
        private final List<AcpOutput> pending = new ArrayList<>();

        Driver(AcpWire wire) {
            this.wire = wire;
        }

        void apply(AcpProtocol.Step step) throws Exception {
            state = step.state();
            for (AcpOutput output : step.outputs()) {
                if (output instanceof AcpOutput.Send send) {
                    wire.writeLine(send.line());
                } else if (output instanceof AcpOutput.Emit emit) {
                    events.add(emit.event());
                    if (emit.event().is(EventType.PERMISSION_REQUESTED)) {
                        apply(AcpProtocol.replyPermission(state,
                                emit.event().data().path("permission_id").asText(), "once"));
                    }
                } else {
                    pending.add(output);
                }
            }
        }

        /** Reads the agent's lines until an output matches; returns it. */
        AcpOutput until(Predicate<AcpOutput> match) throws Exception {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                for (AcpOutput output : List.copyOf(pending)) {
                    pending.remove(output);
                    if (match.test(output)) {
                        return output;
                    }
                }
                List<ObjectNode> received = wire.received();
                if (read < received.size()) {
                    apply(AcpProtocol.read(state, received.get(read++).toString()));
                } else {
                    Thread.sleep(20);
                }
            }
            throw new AssertionError("no matching output within " + WAIT + "; stderr: " + wire.stderr());
        }

        List<AgentEvent> events(EventType type) {
            return events.stream().filter(e -> e.is(type)).toList();
        }

        List<JsonNode> completed(String kind) {
            return events(EventType.ITEM_COMPLETED).stream().map(e -> e.data().path("item"))
                    .filter(i -> i.path("kind").asText().equals(kind)).toList();
        }
    }
}
