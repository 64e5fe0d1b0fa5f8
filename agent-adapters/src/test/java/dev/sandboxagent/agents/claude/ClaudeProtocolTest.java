package dev.sandboxagent.agents.claude;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandboxagent.agents.AgentEvent;
import dev.sandboxagent.agents.AgentReplyException;
import dev.sandboxagent.agents.ProtocolOutput;
import dev.sandboxagent.schema.EventCodec;
import dev.sandboxagent.schema.EventData;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The stream-json protocol alone, with no process, on lines shaped like Claude Code 2.1's: what each line stands
 * for, and what it writes back for the handshake and for each request of the session core.
 */
class ClaudeProtocolTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SESSION = "0b7c6f1e-2f44-4a39-9d1c-5b0f5f6a7e21";
    private ClaudeProtocol protocol;

    @BeforeEach
    void ready() throws Exception {
        protocol = new ClaudeProtocol(SESSION);
        List<String> init = replies(protocol.open());
        assertThat(init).hasSize(1);
        JsonNode request = JSON.readTree(init.get(0));
        assertThat(request.path("type").asText()).isEqualTo("control_request");
        assertThat(request.path("request").path("subtype").asText()).isEqualTo("initialize");
        assertThat(protocol.onLine("{\"type\":\"control_response\",\"response\":{\"subtype\":\"success\","
                + "\"request_id\":\"init_1\",\"response\":{}}}")).containsExactly(new ProtocolOutput.Ready(SESSION));
    }

    private List<AgentEvent> events(String line) {
        List<ProtocolOutput> outputs = protocol.onLine(line);
        assertThat(outputs).allMatch(o -> o instanceof ProtocolOutput.Emit);
        return emitted(outputs);
    }

    private static List<AgentEvent> emitted(List<ProtocolOutput> outputs) {
        return outputs.stream().filter(o -> o instanceof ProtocolOutput.Emit)
                .map(o -> ((ProtocolOutput.Emit) o).event()).toList();
    }

    private static List<String> replies(List<ProtocolOutput> outputs) {
        return outputs.stream().filter(o -> o instanceof ProtocolOutput.Reply)
                .map(o -> ((ProtocolOutput.Reply) o).line()).toList();
    }

    private static List<String> types(List<AgentEvent> events) {
        return events.stream().map(AgentEvent::type).toList();
    }

    private static ProtocolOutput.TurnEnded turnEnded(List<ProtocolOutput> outputs) {
        List<ProtocolOutput> ends = outputs.stream().filter(o -> o instanceof ProtocolOutput.TurnEnded).toList();
        assertThat(ends).hasSize(1);
        return (ProtocolOutput.TurnEnded) ends.get(0);
    }

    private static String canUseTool(String requestId, String tool, String input) {
        return "{\"type\":\"control_request\",\"request_id\":\"" + requestId + "\",\"request\":{\"subtype\":"
                + "\"can_use_tool\",\"tool_name\":\"" + tool + "\",\"input\":" + input
                + ",\"tool_use_id\":\"toolu_1\"}}";
    }

    @Test
    void aFailedInitializeFailsTheStart() {
        ClaudeProtocol refused = new ClaudeProtocol(SESSION);
        refused.open();
        assertThat(refused.onLine("{\"type\":\"control_response\",\"response\":{\"subtype\":\"error\","
                + "\"request_id\":\"init_1\",\"error\":\"no credentials\"}}"))
                .containsExactly(new ProtocolOutput.StartFailed("failed to initialize: no credentials"));
    }

    @Test
    void aTurnIsOneUserLine() throws Exception {
        List<String> lines = replies(protocol.startTurn("t1", "hello there"));
        assertThat(lines).hasSize(1);
        JsonNode user = JSON.readTree(lines.get(0));
        assertThat(user.path("type").asText()).isEqualTo("user");
        assertThat(user.path("message").path("content").asText()).isEqualTo("hello there");
    }

    @Test
    void aStreamedMessageStartsDeltasAndCompletesWithoutASecondStart() {
        assertThat(events("{\"type\":\"stream_event\",\"event\":{\"type\":\"message_start\",\"message\":"
                + "{\"id\":\"msg_1\"}},\"session_id\":\"" + SESSION + "\"}")).isEmpty();
        List<AgentEvent> started = events("{\"type\":\"stream_event\",\"event\":{\"type\":\"content_block_start\","
                + "\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}}");
        assertThat(types(started)).containsExactly("item.started");
        assertThat(started.get(0).data().toString()).isEqualTo("{\"item\":{\"item_id\":\"msg_1:0\","
                + "\"native_item_id\":\"msg_1:0\",\"kind\":\"message\",\"role\":\"assistant\","
                + "\"status\":\"in_progress\",\"content\":[]}}");
        List<AgentEvent> delta = events("{\"type\":\"stream_event\",\"event\":{\"type\":\"content_block_delta\","
                + "\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hel\"}}}");
        assertThat(delta.get(0).data().toString()).isEqualTo("{\"item_id\":\"msg_1:0\",\"delta\":\"Hel\"}");
        List<AgentEvent> completed = events("{\"type\":\"assistant\",\"message\":{\"id\":\"msg_1\",\"content\":"
                + "[{\"type\":\"text\",\"text\":\"Hello\"}]}}");
        assertThat(types(completed)).containsExactly("item.completed");
        assertThat(completed.get(0).data().path("item").path("content").toString())
                .isEqualTo("[{\"type\":\"text\",\"text\":\"Hello\"}]");
        assertThat(completed.get(0).raw().path("type").asText()).isEqualTo("assistant");
        assertThat(completed.get(0).nativeSessionId()).isEqualTo(SESSION);
    }

    @Test
    void aWholeMessageAndThinkingAreStartedAndCompleted() {
        List<AgentEvent> events = events("{\"type\":\"assistant\",\"message\":{\"id\":\"msg_2\",\"content\":["
                + "{\"type\":\"thinking\",\"thinking\":\"hmm\"},{\"type\":\"text\",\"text\":\"Done\"}]}}");
        assertThat(types(events)).containsExactly("item.started", "item.completed", "item.started",
                "item.completed");
        assertThat(events.get(1).data().path("item").path("content").toString())
                .isEqualTo("[{\"type\":\"reasoning\",\"text\":\"hmm\",\"visibility\":\"public\"}]");
        assertThat(events.get(3).data().path("item").path("item_id").asText()).isEqualTo("msg_2:1");
    }

    @Test
    void aToolCallAndItsResult() {
        List<AgentEvent> call = events("{\"type\":\"assistant\",\"message\":{\"id\":\"msg_3\",\"content\":["
                + "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"Bash\",\"input\":{\"command\":\"ls\"}}]}}");
        assertThat(call.get(0).data().toString()).isEqualTo("{\"item\":{\"item_id\":\"msg_3:0\","
                + "\"native_item_id\":\"msg_3:0\",\"kind\":\"tool_call\",\"role\":\"assistant\",\"status\":\"completed\","
                + "\"content\":[{\"type\":\"tool_call\",\"name\":\"Bash\",\"arguments\":\"{\\\"command\\\":\\\"ls\\\"}\","
                + "\"call_id\":\"toolu_1\"}]}}");
        List<AgentEvent> result = events("{\"type\":\"user\",\"message\":{\"content\":[{\"type\":\"tool_result\","
                + "\"tool_use_id\":\"toolu_1\",\"is_error\":true,\"content\":[{\"type\":\"text\",\"text\":\"denied\"}]}]}}");
        assertThat(result.get(0).data().toString()).isEqualTo("{\"item\":{\"item_id\":\"result_toolu_1\","
                + "\"native_item_id\":\"result_toolu_1\",\"kind\":\"tool_result\",\"role\":\"tool\","
                + "\"status\":\"failed\",\"content\":[{\"type\":\"tool_result\",\"call_id\":\"toolu_1\","
                + "\"output\":\"denied\"}],\"parent_id\":\"msg_3:0\"}}");
    }

    @Test
    void aWriteOrEditThatSucceedsPutsAFileRefOnItsResultAndAFailedOneDoesNot() {
        events("{\"type\":\"assistant\",\"message\":{\"id\":\"msg_4\",\"content\":["
                + "{\"type\":\"tool_use\",\"id\":\"toolu_w\",\"name\":\"Write\",\"input\":{\"file_path\":\"/w/a.txt\","
                + "\"content\":\"x\"}},{\"type\":\"tool_use\",\"id\":\"toolu_e\",\"name\":\"Edit\",\"input\":"
                + "{\"file_path\":\"/w/b.txt\",\"old_string\":\"a\",\"new_string\":\"b\"}},"
                + "{\"type\":\"tool_use\",\"id\":\"toolu_f\",\"name\":\"Edit\",\"input\":{\"file_path\":\"/w/c.txt\"}}]}}");
        List<AgentEvent> results = events("{\"type\":\"user\",\"message\":{\"content\":["
                + "{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_w\",\"content\":\"File created\"},"
                + "{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_e\",\"content\":\"updated\"},"
                + "{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_f\",\"is_error\":true,\"content\":\"no match\"}]}}");
        assertThat(results.get(0).data().path("item").path("content").toString()).isEqualTo("[{\"type\":"
                + "\"tool_result\",\"call_id\":\"toolu_w\",\"output\":\"File created\"},"
                + "{\"type\":\"file_ref\",\"path\":\"/w/a.txt\",\"action\":\"write\"}]");
        assertThat(results.get(1).data().path("item").path("content").path(1).toString())
                .isEqualTo("{\"type\":\"file_ref\",\"path\":\"/w/b.txt\",\"action\":\"patch\"}");
        assertThat(results.get(2).data().path("item").path("content")).hasSize(1);
    }

    @Test
    void aPermissionIsAskedAndAnsweredOnceAndAlwaysAnswersTheNextAtOnce() throws Exception {
        List<AgentEvent> asked = events(canUseTool("req_1", "Bash", "{\"command\":\"touch a\"}"));
        assertThat(asked.get(0).data().toString()).isEqualTo("{\"permission_id\":\"req_1\",\"action\":"
                + "\"Bash: touch a\",\"status\":\"requested\",\"metadata\":{\"tool_name\":\"Bash\",\"input\":"
                + "{\"command\":\"touch a\"},\"tool_use_id\":\"toolu_1\"}}");
        List<ProtocolOutput> once = protocol.replyPermission("req_1", "once");
        JsonNode allow = JSON.readTree(replies(once).get(0));
        assertThat(allow.path("response").path("request_id").asText()).isEqualTo("req_1");
        assertThat(allow.path("response").path("response").toString())
                .isEqualTo("{\"behavior\":\"allow\",\"updatedInput\":{\"command\":\"touch a\"}}");
        AgentEvent resolved = emitted(once).get(0);
        assertThat(resolved.data().toString())
                .isEqualTo("{\"permission_id\":\"req_1\",\"action\":\"Bash: touch a\",\"status\":\"accept\"}");
        assertThat(resolved.synthetic()).isTrue();
        assertThatThrownBy(() -> protocol.replyPermission("req_1", "once"))
                .isInstanceOf(AgentReplyException.class)
                .extracting(e -> ((AgentReplyException) e).reason())
                .isEqualTo(AgentReplyException.Reason.UNKNOWN_REQUEST);

        events(canUseTool("req_2", "Bash", "{\"command\":\"touch b\"}"));
        protocol.replyPermission("req_2", "always");
        List<ProtocolOutput> third = protocol.onLine(canUseTool("req_3", "Bash", "{\"command\":\"touch c\"}"));
        assertThat(types(emitted(third))).containsExactly("permission.requested", "permission.resolved");
        assertThat(emitted(third).get(1).data().path("status").asText()).isEqualTo("accept_for_session");
        assertThat(replies(third)).hasSize(1).allMatch(r -> r.contains("\"behavior\":\"allow\""));
    }

    @Test
    void aRejectedPermissionIsDenied() throws Exception {
        events(canUseTool("req_1", "Write", "{\"file_path\":\"/w/x\"}"));
        List<ProtocolOutput> reject = protocol.replyPermission("req_1", "reject");
        assertThat(JSON.readTree(replies(reject).get(0)).path("response").path("response").path("behavior").asText())
                .isEqualTo("deny");
        assertThat(emitted(reject).get(0).data().path("status").asText()).isEqualTo("reject");
    }

    @Test
    void askUserQuestionIsAQuestionAnsweredThroughTheToolsInput() throws Exception {
        List<AgentEvent> asked = events(canUseTool("req_q", "AskUserQuestion", "{\"questions\":[{\"question\":"
                + "\"Which colour?\",\"header\":\"Colour\",\"multiSelect\":false,\"options\":[{\"label\":\"Blue\"},"
                + "{\"label\":\"Red\"}]}]}"));
        assertThat(asked.get(0).data().toString()).isEqualTo("{\"question_id\":\"req_q\",\"prompt\":"
                + "\"Which colour?\",\"options\":[\"Blue\",\"Red\"],\"status\":\"requested\",\"response\":null,"
                + "\"questions\":[{\"question\":\"Which colour?\",\"header\":\"Colour\",\"multi_select\":false,"
                + "\"options\":[\"Blue\",\"Red\"]}]}");
        List<ProtocolOutput> answered = protocol.replyQuestion("req_q", List.of(List.of("Blue")));
        JsonNode decision = JSON.readTree(replies(answered).get(0)).path("response").path("response");
        assertThat(decision.path("behavior").asText()).isEqualTo("allow");
        assertThat(decision.path("updatedInput").path("answers").toString()).isEqualTo("{\"Which colour?\":\"Blue\"}");
        assertThat(emitted(answered).get(0).data().path("response").asText()).isEqualTo("Blue");
        assertThatThrownBy(() -> protocol.rejectQuestion("req_q")).isInstanceOf(AgentReplyException.class);
    }

    @Test
    void planApprovalIsAQuestionWhoseRejectionDeniesTheTool() throws Exception {
        List<AgentEvent> asked = events(canUseTool("req_p", "ExitPlanMode", "{\"plan\":\"1. do it\"}"));
        assertThat(asked.get(0).data().path("options").toString()).isEqualTo("[\"approve\",\"reject\"]");
        List<ProtocolOutput> rejected = protocol.rejectQuestion("req_p");
        assertThat(JSON.readTree(replies(rejected).get(0)).path("response").path("response").path("behavior")
                .asText()).isEqualTo("deny");
        assertThat(emitted(rejected).get(0).data().path("status").asText()).isEqualTo("rejected");
    }

    @Test
    void theResultEndsTheTurnWithWhatClaudeReported() {
        protocol.startTurn("t1", "hi");
        List<ProtocolOutput> end = protocol.onLine("{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":false,"
                + "\"duration_ms\":120,\"num_turns\":1,\"result\":\"Hello\",\"stop_reason\":null,"
                + "\"total_cost_usd\":0.001,\"usage\":{\"input_tokens\":3,\"cache_read_input_tokens\":4,"
                + "\"cache_creation_input_tokens\":5,\"output_tokens\":2,\"service_tier\":\"standard\"}}");
        assertThat(end).hasSize(1);
        ProtocolOutput.TurnEnded ended = turnEnded(end);
        assertThat(ended.metadata().status()).isEqualTo("completed");
        // The common shape: input_tokens counts every input token (Anthropic's leaves the cache's out).
        assertThat(ended.metadata().usage().toString()).isEqualTo("{\"input_tokens\":12,\"cached_input_tokens\":4,"
                + "\"cache_write_input_tokens\":5,\"output_tokens\":2}");
        assertThat(ended.metadata().stopReason().isNull()).isTrue(); // said null: kept as the agent said it
        assertThat(ended.raw().path("type").asText()).isEqualTo("result");
        // On the wire, as the launcher labels it: the fields Claude Code reported, in the order it always had.
        assertThat(EventCodec.encode(new EventData.TurnEnded("t1", ended.metadata()))).isEqualTo("{\"phase\":"
                + "\"ended\",\"turn_id\":\"t1\",\"metadata\":{\"status\":\"completed\",\"usage\":"
                + "{\"input_tokens\":12,\"cached_input_tokens\":4,\"cache_write_input_tokens\":5,\"output_tokens\":2},"
                + "\"total_cost_usd\":0.001,\"num_turns\":1,\"duration_ms\":120,"
                + "\"stop_reason\":null}}");
    }

    @Test
    void anErrorResultIsAnErrorThenTheEndAndAnInterruptedOneIsNot() throws Exception {
        protocol.startTurn("t1", "hi");
        List<ProtocolOutput> failed = protocol.onLine("{\"type\":\"result\",\"subtype\":\"error_during_execution\","
                + "\"is_error\":true,\"result\":\"API Error: 500\",\"api_error_status\":500,"
                + "\"stop_reason\":\"stop_sequence\"}");
        assertThat(emitted(failed).get(0).data().toString()).isEqualTo("{\"message\":\"API Error: 500\","
                + "\"code\":\"provider_error\",\"details\":{\"agent_code\":\"api_error_500\",\"http_status\":500}}");
        assertThat(turnEnded(failed).metadata().status()).isEqualTo("error");
        assertThat(turnEnded(failed).metadata().error()).isEqualTo("API Error: 500");
        assertThat(turnEnded(failed).metadata().stopReason()).isNull(); // left over from an earlier reply
        protocol.startTurn("t1b", "hi");
        List<ProtocolOutput> ownError = protocol.onLine("{\"type\":\"result\",\"subtype\":\"error_max_turns\","
                + "\"is_error\":true,\"result\":\"too many turns\"}");
        assertThat(emitted(ownError).get(0).data().toString()).isEqualTo("{\"message\":\"too many turns\","
                + "\"code\":\"agent_error\",\"details\":{\"agent_code\":\"error_max_turns\"}}");

        assertThat(protocol.interrupt()).isEmpty(); // no turn runs: nothing to cancel
        protocol.startTurn("t2", "slow");
        events(canUseTool("req_1", "Bash", "{\"command\":\"sleep 9\"}"));
        List<String> interrupt = replies(protocol.interrupt());
        assertThat(JSON.readTree(interrupt.get(0)).path("request").path("subtype").asText()).isEqualTo("interrupt");
        List<ProtocolOutput> interrupted = protocol.onLine("{\"type\":\"result\","
                + "\"subtype\":\"error_during_execution\",\"is_error\":true}");
        assertThat(emitted(interrupted)).isEmpty();
        assertThat(turnEnded(interrupted).metadata().status()).isEqualTo("interrupted");
        // The turn's open request died with it.
        assertThatThrownBy(() -> protocol.replyPermission("req_1", "once")).isInstanceOf(AgentReplyException.class);
    }

    @Test
    void aControlRequestWeDoNotServeIsAnsweredWithAnError() throws Exception {
        List<ProtocolOutput> outputs = protocol.onLine("{\"type\":\"control_request\",\"request_id\":\"r9\","
                + "\"request\":{\"subtype\":\"hook_callback\"}}");
        assertThat(emitted(outputs)).isEmpty();
        JsonNode answer = JSON.readTree(replies(outputs).get(0)).path("response");
        assertThat(answer.path("subtype").asText()).isEqualTo("error");
        assertThat(answer.path("request_id").asText()).isEqualTo("r9");
    }

    @Test
    void garbledLinesAreUnparsedAndTerminalNoiseIsDropped() {
        for (String line : List.of("garbage \u00e9 from the agent", "{\"type\":", "{\"no\":\"type\"}",
                "{\"type\":\"brand_new\"}")) {
            List<AgentEvent> events = events(line);
            assertThat(types(events)).as(line).containsExactly("agent.unparsed");
            assertThat(events.get(0).raw().asText()).isEqualTo(line);
            assertThat(events.get(0).data().path("raw_hash").asText()).hasSize(64);
        }
        assertThat(protocol.onLine("\u001B[?25h\u001B[0m\r")).isEmpty();
        assertThat(protocol.onLine("{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"" + SESSION + "\"}"))
                .isEmpty();
    }
}
