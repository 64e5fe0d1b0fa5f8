package dev.sandboxagent.agents.mock;

import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandboxagent.agents.AgentEvent;
import dev.sandboxagent.agents.AgentReplyException;
import dev.sandboxagent.agents.ProtocolOutput;
import dev.sandboxagent.schema.EventData;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The mock protocol alone, with no process: pins the JSON of every event it emits (the anchor's schemas, snake_case),
 * the lines it writes for each request of the session core, and shows that no output line can make it throw. A
 * failure here means the wire format changed: change it on purpose or not at all.
 */
class MockProtocolTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private MockProtocol protocol;

    @BeforeEach
    void ready() {
        protocol = new MockProtocol();
        assertThat(protocol.open()).isEmpty();
        assertThat(protocol.onLine("READY mock-1-2")).containsExactly(new ProtocolOutput.Ready("mock-1-2"));
        assertThat(protocol.nativeSessionId()).isEqualTo("mock-1-2");
    }

    /** The events among what {@code line} stands for; fails on any other output. */
    private List<AgentEvent> events(String line) {
        List<ProtocolOutput> outputs = protocol.onLine(line);
        assertThat(outputs).allMatch(o -> o instanceof ProtocolOutput.Emit);
        return outputs.stream().map(o -> ((ProtocolOutput.Emit) o).event()).toList();
    }

    private static List<String> replies(List<ProtocolOutput> outputs) {
        assertThat(outputs).allMatch(o -> o instanceof ProtocolOutput.Reply);
        return outputs.stream().map(o -> ((ProtocolOutput.Reply) o).line()).toList();
    }

    private String one(String line) throws Exception {
        List<AgentEvent> events = events(line);
        assertThat(events).hasSize(1);
        return shape(events.get(0));
    }

    private static String shape(AgentEvent e) throws Exception {
        assertThat(e.nativeSessionId()).isEqualTo("mock-1-2");
        return e.type() + " " + JSON.writeValueAsString(e.data());
    }

    @Test
    void aWholeMessageIsStartedAndCompleted() throws Exception {
        List<AgentEvent> events = events("MSG msg_1_1 hi 100%25");
        assertThat(events).hasSize(2);
        assertThat(shape(events.get(0))).isEqualTo("item.started {\"item\":{\"item_id\":\"msg_1_1\","
                + "\"native_item_id\":\"msg_1_1\",\"kind\":\"message\",\"role\":\"assistant\","
                + "\"status\":\"in_progress\","
                + "\"content\":[]}}");
        assertThat(shape(events.get(1))).isEqualTo("item.completed {\"item\":{\"item_id\":\"msg_1_1\","
                + "\"native_item_id\":\"msg_1_1\",\"kind\":\"message\",\"role\":\"assistant\",\"status\":\"completed\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"hi 100%\"}]}}");
        assertThat(events.get(1).raw().asText()).isEqualTo("MSG msg_1_1 hi 100%25");
    }

    @Test
    void aStreamedMessage() throws Exception {
        assertThat(one("MSG_START msg_1_2")).startsWith("item.started ");
        assertThat(one("DELTA msg_1_2 1 ")).isEqualTo(
                "item.delta {\"item_id\":\"msg_1_2\",\"delta\":\"1 \"}");
        one("DELTA msg_1_2 2 ");
        assertThat(one("MSG_END msg_1_2")).isEqualTo("item.completed {\"item\":{\"item_id\":\"msg_1_2\","
                + "\"native_item_id\":\"msg_1_2\",\"kind\":\"message\",\"role\":\"assistant\",\"status\":\"completed\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"1 2 \"}]}}");
    }

    @Test
    void toolCallAndResult() throws Exception {
        assertThat(one("TOOL msg_1_3 call_1_1 bash ls -la")).isEqualTo("item.completed {\"item\":{"
                + "\"item_id\":\"msg_1_3\",\"native_item_id\":\"msg_1_3\",\"kind\":\"tool_call\","
                + "\"role\":\"assistant\","
                + "\"status\":\"completed\",\"content\":[{\"type\":\"tool_call\",\"name\":\"bash\","
                + "\"arguments\":\"ls -la\",\"call_id\":\"call_1_1\"}]}}");
        assertThat(one("RESULT msg_1_4 call_1_1 bash ran with ls -la")).isEqualTo("item.completed {\"item\":{"
                + "\"item_id\":\"msg_1_4\",\"native_item_id\":\"msg_1_4\",\"kind\":\"tool_result\",\"role\":\"tool\","
                + "\"status\":\"completed\",\"content\":[{\"type\":\"tool_result\",\"call_id\":\"call_1_1\","
                + "\"output\":\"bash ran with ls -la\"}],\"parent_id\":\"msg_1_3\"}}");
    }

    @Test
    void permissionRequestedAndResolved() throws Exception {
        assertThat(one("PERM_REQ perm_1_1 write file")).isEqualTo("permission.requested "
                + "{\"permission_id\":\"perm_1_1\",\"action\":\"write file\",\"status\":\"requested\"}");
        assertThat(one("PERM_RES perm_1_1 accept_for_session write file")).isEqualTo("permission.resolved "
                + "{\"permission_id\":\"perm_1_1\",\"action\":\"write file\",\"status\":\"accept_for_session\"}");
    }

    @Test
    void questionRequestedAnsweredAndRejected() throws Exception {
        assertThat(one("Q_REQ q_1_1 Go?")).isEqualTo("question.requested "
                + "{\"question_id\":\"q_1_1\",\"prompt\":\"Go?\",\"options\":[\"yes\",\"no\"],\"status\":\"requested\","
                + "\"response\":null}");
        assertThat(one("Q_RES q_1_1 answered yes, now")).isEqualTo("question.resolved {\"question_id\":\"q_1_1\","
                + "\"prompt\":\"Go?\",\"options\":[\"yes\",\"no\"],\"status\":\"answered\",\"response\":\"yes, now\"}");
        one("Q_REQ q_1_2 Again?");
        assertThat(one("Q_RES q_1_2 rejected")).isEqualTo("question.resolved {\"question_id\":\"q_1_2\","
                + "\"prompt\":\"Again?\",\"options\":[\"yes\",\"no\"],\"status\":\"rejected\",\"response\":null}");
    }

    @Test
    void errorAndTurnEnd() throws Exception {
        assertThat(one("ERROR it broke")).isEqualTo("error {\"message\":\"it broke\",\"code\":\"agent_error\","
                + "\"details\":{\"agent_code\":\"mock_error\"}}");
        ProtocolOutput.TurnEnded failed = (ProtocolOutput.TurnEnded) protocol.onLine("TURN_END error turn 6").get(0);
        assertThat(failed.metadata()).isEqualTo(EventData.TurnEnded.Metadata.of("error"));
        // The turn's id is the session core's: the protocol says only how it ended, and the launcher labels it.
        List<ProtocolOutput> end = protocol.onLine("TURN_END interrupted turn 7");
        assertThat(end).hasSize(1).first().isInstanceOf(ProtocolOutput.TurnEnded.class);
        ProtocolOutput.TurnEnded ended = (ProtocolOutput.TurnEnded) end.get(0);
        assertThat(ended.metadata()).isEqualTo(EventData.TurnEnded.Metadata.of("interrupted"));
        assertThat(ended.raw().asText()).isEqualTo("TURN_END interrupted turn 7");
    }

    @Test
    void linesBeforeReadyAreReportedUnparsedOnceReady() {
        MockProtocol fresh = new MockProtocol();
        assertThat(fresh.onLine("bash: warning: something")).isEmpty();
        List<ProtocolOutput> outputs = fresh.onLine("READY mock-1-1");
        assertThat(outputs).hasSize(2);
        assertThat(outputs.get(0)).isEqualTo(new ProtocolOutput.Ready("mock-1-1"));
        AgentEvent early = ((ProtocolOutput.Emit) outputs.get(1)).event();
        assertThat(early.type()).isEqualTo("agent.unparsed");
        assertThat(early.data().path("error").asText()).contains("output before READY");
        assertThat(early.raw().asText()).isEqualTo("bash: warning: something");
    }

    @Test
    void aTurnIsItsMessageLinesEscapedBetweenTAndE() {
        assertThat(replies(protocol.startTurn("turn_1", "echo a%b\r\nstream 3\n"))).containsExactly(
                "T turn_1", "L echo a%25b", "L stream 3", "L ", "E");
        assertThat(replies(protocol.interrupt())).containsExactly("I");
    }

    @Test
    void repliesAnswerOnlyWhatTheMockWaitsFor() {
        assertThatThrownBy(() -> protocol.replyPermission("perm_1_1", "once"))
                .isInstanceOf(AgentReplyException.class)
                .extracting(e -> ((AgentReplyException) e).reason())
                .isEqualTo(AgentReplyException.Reason.UNKNOWN_REQUEST);
        events("PERM_REQ perm_1_1 write file");
        assertThat(replies(protocol.replyPermission("perm_1_1", "always"))).containsExactly("P perm_1_1 always");
        // Answered once: a second answer has nobody to go to, and says so rather than vanish.
        assertThatThrownBy(() -> protocol.replyPermission("perm_1_1", "once")).isInstanceOf(AgentReplyException.class);

        events("Q_REQ q_1_1 Go?");
        assertThat(replies(protocol.replyQuestion("q_1_1", List.of(List.of("yes", "now"), List.of("ignored")))))
                .containsExactly("Q q_1_1 A yes, now");
        assertThatThrownBy(() -> protocol.rejectQuestion("q_1_1")).isInstanceOf(AgentReplyException.class);
        events("Q_REQ q_1_2 Again?");
        assertThat(replies(protocol.rejectQuestion("q_1_2"))).containsExactly("Q q_1_2 R");
    }

    @Test
    void theEndOfATurnForgetsItsOpenRequests() {
        events("PERM_REQ perm_1_1 write file");
        events("Q_REQ q_1_1 Go?");
        protocol.onLine("TURN_END interrupted turn_1");
        assertThatThrownBy(() -> protocol.replyPermission("perm_1_1", "once")).isInstanceOf(AgentReplyException.class);
        assertThatThrownBy(() -> protocol.replyQuestion("q_1_1", List.of())).isInstanceOf(AgentReplyException.class);
    }

    @Test
    void unparsedKeepsTheLineAndItsHash() throws Exception {
        List<AgentEvent> events = events("?? junk");
        assertThat(events).hasSize(1);
        assertThat(shape(events.get(0))).isEqualTo("agent.unparsed {\"error\":\"cannot parse mock agent output: "
                + "unknown verb\",\"location\":\"stdout\",\"raw_hash\":"
                + "\"6c1bb6e1ab0ae8f6ad4d62b3a4da0d5b07d7c3bc0de72fa73d79f3a3d0c9ed80\"}".replace(
                "6c1bb6e1ab0ae8f6ad4d62b3a4da0d5b07d7c3bc0de72fa73d79f3a3d0c9ed80", sha256("?? junk")));
        assertThat(events.get(0).raw().asText()).isEqualTo("?? junk");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "MSG", "MSG ", "MSG  text", "MSG \u001b[31m text", "DELTA msg_9 x",
            "MSG_END msg_9", "MSG_START msg_1 extra", "TOOL msg_1", "TOOL msg_1 call_1", "RESULT msg_1",
            "PERM_RES perm_1 maybe x", "PERM_REQ", "Q_RES q_9 answered x", "Q_RES q_1 rejected extra",
            "Q_RES q_1 perhaps", "TURN_END completed", "TURN_END done t1", "READY mock-2", "msg msg_1 lower",
            "\u001b[2J\u001b[H", "\uFFFD\uFFFD garbage", "\u0000", "ERROR"})
    void anythingElseBecomesUnparsedAndNeverThrows(String line) {
        protocol.onLine("Q_REQ q_1 asked"); // so that only the malformed part of a Q_RES line is at fault
        List<AgentEvent> events = events(line);
        if (line.equals("ERROR")) {
            assertThat(events).extracting(AgentEvent::type).containsExactly("error"); // an empty message is fine
            return;
        }
        assertThat(events).extracting(AgentEvent::type).containsExactly("agent.unparsed");
        assertThat(events.get(0).raw().asText()).isEqualTo(line);
    }

    /** Ids are checked by hand now; they must be what the pattern {@code [A-Za-z0-9][A-Za-z0-9_.:-]*} accepts. */
    @Test
    void idsAreWhatTheIdPatternAccepts() {
        java.util.regex.Pattern pattern = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]*");
        for (String word : List.of("msg_1_2", "a", "Z", "0", "9x", "mock-1796135754952338-9857", "a.b:c-d_e", "_a",
                ".a", "-a", ":a", "", "a b", "a/b", "é", "aé", "a\u0000", "a\n", "\u0661", "a\u0661", "ａ", "a@b",
                "a`", "a{", "a[", "@", "[", "`", "{", "a%", "A".repeat(500))) {
            assertThat(MockProtocol.isId(word)).as(word).isEqualTo(pattern.matcher(word).matches());
        }
    }

    @Test
    void escapingRoundTrips() {
        for (String text : List.of("", "plain", "100%", "%25", "%0A", "a\nb\r\nc\0d", "%%%", "% 0A", "\\%\\")) {
            assertThat(MockText.decode(MockText.encode(text))).isEqualTo(text);
            assertThat(MockText.encode(text)).doesNotContain("\n", "\r", "\0");
        }
        assertThat(MockText.decode("50%off %2 %zz%")).isEqualTo("50%off %2 %zz%");
    }

    private static String sha256(String s) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
