package dev.sandboxagent.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.sandboxagent.agents.testing.EventRecorder;
import dev.sandboxagent.schema.EventData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one launcher, with {@code cat} under a real PTY as the agent (it says back each line written to it) and a
 * small protocol: readiness, replies written, the turn's end labelled with the session core's turn id, and every
 * answer that cannot reach the agent failing rather than vanishing.
 */
class TerminalAgentProcessTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    private TerminalAgentProcess process;

    @AfterEach
    void stop() {
        if (process != null) {
            process.terminate(Duration.ofMillis(200));
        }
    }

    /**
     * "hello" back means ready; "end S" ends the turn with status S; "say X" is a delta of X. Permission "p1" is the
     * one the agent waits on.
     */
    private static final class EchoProtocol implements AgentProtocol {
        private final String greeting;
        private boolean waitingOnP1 = true;

        EchoProtocol(String greeting) {
            this.greeting = greeting;
        }

        @Override
        public String nativeSessionId() {
            return "echo-1";
        }

        @Override
        public List<ProtocolOutput> open() {
            return List.of(new ProtocolOutput.Reply(greeting));
        }

        @Override
        public List<ProtocolOutput> onLine(String line) {
            if (line.equals("hello")) {
                return List.of(new ProtocolOutput.Ready("echo-1"));
            }
            if (line.equals("refuse")) {
                return List.of(new ProtocolOutput.StartFailed("refused: no credentials"));
            }
            if (line.startsWith("end ")) {
                return List.of(new ProtocolOutput.TurnEnded(EventData.TurnEnded.Metadata.of(line.substring(4)),
                        TextNode.valueOf(line)));
            }
            if (line.startsWith("say ")) {
                return List.of(ProtocolOutput.emit(new EventData.ItemDelta("m", line.substring(4)),
                        TextNode.valueOf(line), "echo-1"));
            }
            return List.of(new ProtocolOutput.Emit(UniversalItems.unparsed("echo", line, "unknown", "echo-1")));
        }

        @Override
        public List<ProtocolOutput> startTurn(String turnId, String message) {
            return List.of(new ProtocolOutput.Reply("say " + message), new ProtocolOutput.Reply("end completed"));
        }

        @Override
        public List<ProtocolOutput> replyPermission(String permissionId, String reply) {
            if (!permissionId.equals("p1") || !waitingOnP1) {
                throw new AgentReplyException(AgentReplyException.Reason.UNKNOWN_REQUEST, "not waiting on "
                        + permissionId);
            }
            waitingOnP1 = false;
            return List.of(new ProtocolOutput.Reply("say granted"), ProtocolOutput.synthetic(
                    new EventData.PermissionResolved(permissionId, "x", "accept", null), "echo-1"));
        }

        @Override
        public List<ProtocolOutput> replyQuestion(String questionId, List<List<String>> answers) {
            throw new AgentReplyException(AgentReplyException.Reason.UNKNOWN_REQUEST, "no questions");
        }

        @Override
        public List<ProtocolOutput> rejectQuestion(String questionId) {
            throw new AgentReplyException(AgentReplyException.Reason.UNKNOWN_REQUEST, "no questions");
        }

        @Override
        public List<ProtocolOutput> interrupt() {
            return List.of(new ProtocolOutput.Reply("end interrupted"), new ProtocolOutput.Reply("say stopped"));
        }
    }

    private TerminalLaunch cat(Duration ready) {
        return new TerminalLaunch("echo", "the echo agent", List.of("/bin/cat"), Map.of("PATH", "/usr/bin:/bin"),
                dir, false, ready);
    }

    private static AgentReplyException.Reason failure(CompletableFuture<Void> reply) throws Exception {
        try {
            reply.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(AgentReplyException.class);
            return ((AgentReplyException) e.getCause()).reason();
        }
        throw new AssertionError("the reply was delivered");
    }

    @Test
    void theTurnsEndCarriesTheTurnIdTheSessionCoreGave() throws Exception {
        EventRecorder events = new EventRecorder(WAIT);
        process = TerminalAgentProcess.start(cat(WAIT), new EchoProtocol("hello"), events);
        assertThat(process.nativeSessionId()).isEqualTo("echo-1");
        process.startTurn("turn-42", "hi");
        AgentEvent end = events.await(0, EventRecorder.type("turn.ended"));
        assertThat(end.data().toString()).isEqualTo("{\"phase\":\"ended\",\"turn_id\":\"turn-42\","
                + "\"metadata\":{\"status\":\"completed\"}}");
        assertThat(end.raw().asText()).isEqualTo("end completed");
        assertThat(events.types()).containsExactly("item.delta", "turn.ended");
        // An end with no turn given (one that raced an interrupt) closes nothing.
        process.interrupt();
        events.await(2, e -> e.data().path("delta").asText().equals("stopped"));
        assertThat(events.types()).containsExactly("item.delta", "turn.ended", "item.delta");
        process.startTurn("turn-43", "again");
        AgentEvent next = events.await(3, EventRecorder.type("turn.ended"));
        assertThat(next.data().path("turn_id").asText()).isEqualTo("turn-43");
    }

    /**
     * The events of the lines of one read of the agent's output reach the listener together, so that the session
     * stores them with one append (one commit): here the agent writes a turn's three lines with one write(2)
     * ({@code cat} of a file), as the mock does.
     */
    @Test
    void theEventsOfOneReadReachTheListenerTogether() throws Exception {
        Path reply = dir.resolve("reply.txt");
        java.nio.file.Files.writeString(reply, "say a\nsay b\nend completed\n");
        TerminalLaunch oneWrite = new TerminalLaunch("echo", "the one-write agent", List.of("/bin/sh", "-c",
                "read greeting; echo hello; read first; read second; cat \"$0\"; exec cat", reply.toString()),
                Map.of("PATH", "/usr/bin:/bin"), dir, false, WAIT);
        EventRecorder events = new EventRecorder(WAIT);
        process = TerminalAgentProcess.start(oneWrite, new EchoProtocol("hi"), events);
        process.startTurn("turn-7", "go");
        events.await(0, EventRecorder.type("turn.ended"));
        assertThat(events.batches()).containsExactly(List.of("item.delta", "item.delta", "turn.ended"));
    }

    @Test
    void anAnswerTheAgentDoesNotWaitForFailsAndOneItWaitsForIsWritten() throws Exception {
        EventRecorder events = new EventRecorder(WAIT);
        process = TerminalAgentProcess.start(cat(WAIT), new EchoProtocol("hello"), events);
        assertThat(failure(process.replyPermission("p9", "once")))
                .isEqualTo(AgentReplyException.Reason.UNKNOWN_REQUEST);
        assertThat(failure(process.replyQuestion("q1", List.of())))
                .isEqualTo(AgentReplyException.Reason.UNKNOWN_REQUEST);
        process.replyPermission("p1", "once").get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(events.await(0, EventRecorder.type("permission.resolved")).synthetic()).isTrue();
        // The reply reached the agent: it said it back.
        assertThat(events.await(0, e -> e.type().equals("item.delta")).data().path("delta").asText())
                .isEqualTo("granted");
        assertThat(failure(process.replyPermission("p1", "once")))
                .isEqualTo(AgentReplyException.Reason.UNKNOWN_REQUEST);
    }

    @Test
    void anAnswerToAnAgentThatExitedFails() throws Exception {
        EventRecorder events = new EventRecorder(WAIT);
        process = TerminalAgentProcess.start(cat(WAIT), new EchoProtocol("hello"), events);
        process.terminate(Duration.ofMillis(200));
        events.exit.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(failure(process.replyPermission("p1", "once"))).isEqualTo(AgentReplyException.Reason.AGENT_GONE);
    }

    @Test
    void aRefusedOrSilentStartFailsAndTellsTheListenerNothing() {
        EventRecorder refusedEvents = new EventRecorder(WAIT);
        assertThatThrownBy(() -> TerminalAgentProcess.start(cat(WAIT), new EchoProtocol("refuse"), refusedEvents))
                .isInstanceOf(AgentStartException.class)
                .hasMessageContaining("the echo agent refused: no credentials");
        assertThat(refusedEvents.types()).isEmpty();
        assertThat(refusedEvents.exit).isNotDone();

        EventRecorder silentEvents = new EventRecorder(WAIT);
        assertThatThrownBy(() -> TerminalAgentProcess.start(cat(Duration.ofMillis(300)), new EchoProtocol("say x"),
                silentEvents))
                .isInstanceOf(AgentStartException.class)
                .hasMessageContaining("the echo agent did not report ready within");
        assertThat(silentEvents.types()).isEmpty(); // what it said before it failed to be ready is no session's
        assertThat(silentEvents.exit).isNotDone();
    }
}
