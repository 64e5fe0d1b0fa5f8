package dev.sandboxagent.agents.codex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.sandboxagent.agents.AgentEvent;
import dev.sandboxagent.agents.AgentReplyException;
import dev.sandboxagent.agents.ProtocolOutput;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The app-server protocol alone, with no process, on lines shaped like Codex 0.169's (see docs/agents.md): what each
 * line stands for, and what it writes back for the handshake and for each request of the session core.
 */
class CodexProtocolTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private CodexProtocol protocol;

    /** A protocol whose thread is open, as after a start: initialize (id 1), then thread/start (id 2). */
    @BeforeEach
    void open() throws Exception {
        protocol = fresh();
        List<String> init = replies(protocol.open());
        assertThat(init).hasSize(1);
        assertThat(JSON.readTree(init.get(0)).path("method").asText()).isEqualTo("initialize");
        List<String> thread = replies(protocol.onLine("{\"id\":1,\"result\":{\"userAgent\":\"x\"}}\r"));
        assertThat(thread).containsExactly("{\"method\":\"initialized\"}",
                "{\"method\":\"thread/start\",\"id\":2,\"params\":{\"cwd\":\"/w\"}}");
        assertThat(protocol.onLine("{\"id\":2,\"result\":{\"thread\":{\"id\":\"thread-1\"}}}"))
                .containsExactly(new ProtocolOutput.Ready("thread-1"));
        assertThat(protocol.nativeSessionId()).isEqualTo("thread-1");
    }

    private static CodexProtocol fresh() {
        return new CodexProtocol(new CodexProtocol.ThreadRequest("thread/start",
                JsonNodeFactory.instance.objectNode().put("cwd", "/w")));
    }

    /** The events {@code line} stands for; fails on any other output. */
    private List<AgentEvent> parse(String line) {
        return events(protocol.onLine(line), true);
    }

    private static List<AgentEvent> events(List<ProtocolOutput> outputs, boolean only) {
        if (only) {
            assertThat(outputs).allMatch(o -> o instanceof ProtocolOutput.Emit);
        }
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

    @Test
    void garbledAndUnknownLinesBecomeUnparsedWithTheRawLine() {
        List<String> lines = List.of("{\"method\":\"item/started\",", "garbage é", "[1,2]", "{\"id\":\"x\"}",
                "{\"method\":\"brand/new/thing\",\"params\":{}}", "{\"method\":42}",
                "{\"method\":\"item/agentMessage/delta\",\"params\":{\"delta\":\"no item id\"}}", "null");
        for (String line : lines) {
            List<AgentEvent> events = parse(line);
            assertThat(types(events)).as(line).containsExactly("agent.unparsed");
            AgentEvent unparsed = events.get(0);
            assertThat(unparsed.raw().asText()).isEqualTo(line);
            assertThat(unparsed.data().path("location").asText()).isEqualTo("stdout");
            assertThat(unparsed.data().path("raw_hash").asText()).hasSize(64);
            assertThat(unparsed.nativeSessionId()).isEqualTo("thread-1");
        }
        assertThat(parse("{\"method\":\"item/started\",").get(0).data().path("error").asText())
                .contains("malformed JSON");
    }

    @Test
    void terminalNoiseAndBookkeepingAreDropped() {
        assertThat(parse("")).isEmpty();
        assertThat(parse("\u001B[?25h\u001B[0m\r")).isEmpty();
        assertThat(parse("{\"method\":\"remoteControl/status/changed\",\"params\":{\"status\":\"disabled\"}}"))
                .isEmpty();
        assertThat(parse("{\"method\":\"configWarning\",\"params\":{\"summary\":\"bubblewrap\"},\"emittedAtMs\":1}"))
                .isEmpty();
        assertThat(parse("{\"method\":\"account/rateLimits/updated\",\"params\":{}}")).isEmpty();
    }

    @Test
    void aRefusedHandshakeFailsTheStartAndNothingHappensBeforeTheThreadIsOpen() {
        CodexProtocol refused = fresh();
        refused.open();
        assertThat(refused.onLine("{\"id\":1,\"error\":{\"code\":-32600,\"message\":\"bad client\"}}"))
                .containsExactly(new ProtocolOutput.StartFailed("refused initialize: bad client"));

        CodexProtocol noThread = fresh();
        noThread.open();
        noThread.onLine("{\"id\":1,\"result\":{}}");
        // Before the thread is open, a notification is no session's: dropped; an unreadable line still shows.
        assertThat(noThread.onLine("{\"method\":\"item/started\",\"params\":{\"item\":{\"type\":"
                + "\"agentMessage\",\"id\":\"early\"}}}")).isEmpty();
        assertThat(types(events(noThread.onLine("garbage"), true))).containsExactly("agent.unparsed");
        assertThat(noThread.onLine("{\"id\":2,\"error\":{\"code\":-32600,\"message\":\"no thread\"}}"))
                .containsExactly(new ProtocolOutput.StartFailed("refused thread/start: no thread"));
    }

    @Test
    void answersToNothingWeAskedAreDropped() {
        assertThat(protocol.onLine("{\"id\":99,\"result\":{}}")).isEmpty();
    }

    @Test
    void aTurnIsTurnStartAndARefusedOneEndsWithAnError() throws Exception {
        List<String> start = replies(protocol.startTurn("t1", "hello"));
        assertThat(start).hasSize(1);
        JsonNode request = JSON.readTree(start.get(0));
        assertThat(request.path("method").asText()).isEqualTo("turn/start");
        assertThat(request.path("params").path("threadId").asText()).isEqualTo("thread-1");
        assertThat(request.path("params").path("input").path(0).path("text").asText()).isEqualTo("hello");
        List<ProtocolOutput> refused = protocol.onLine("{\"id\":" + request.path("id").asLong()
                + ",\"error\":{\"message\":\"busy\"}}");
        AgentEvent error = events(refused, false).get(0);
        assertThat(error.type()).isEqualTo("error");
        assertThat(error.data().path("message").asText()).isEqualTo("Codex did not start the turn: busy");
        assertThat(error.synthetic()).isTrue();
        assertThat(turnEnded(refused).metadata().status()).isEqualTo("error");
        assertThat(turnEnded(refused).raw()).isNull();
    }

    @Test
    void aStreamedMessageStartsDeltasAndCompletes() {
        assertThat(parse("{\"method\":\"item/started\",\"params\":{\"item\":{\"type\":\"userMessage\",\"id\":\"u\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]},\"threadId\":\"t\",\"turnId\":\"n\"}}")).isEmpty();
        List<AgentEvent> started = parse("{\"method\":\"item/started\",\"params\":{\"item\":{\"type\":"
                + "\"agentMessage\",\"id\":\"msg_1\",\"text\":\"\"}}}");
        assertThat(types(started)).containsExactly("item.started");
        assertThat(started.get(0).data().path("item").path("status").asText()).isEqualTo("in_progress");
        List<AgentEvent> delta = parse("{\"method\":\"item/agentMessage/delta\",\"params\":{\"threadId\":\"t\","
                + "\"turnId\":\"n\",\"itemId\":\"msg_1\",\"delta\":\"FAKE \"}}");
        assertThat(delta.get(0).data().toString()).isEqualTo("{\"item_id\":\"msg_1\",\"delta\":\"FAKE \"}");
        List<AgentEvent> completed = parse("{\"method\":\"item/completed\",\"params\":{\"item\":{\"type\":"
                + "\"agentMessage\",\"id\":\"msg_1\",\"text\":\"FAKE reply\"}}}");
        JsonNode item = completed.get(0).data().path("item");
        assertThat(item.path("kind").asText()).isEqualTo("message");
        assertThat(item.path("role").asText()).isEqualTo("assistant");
        assertThat(item.path("content").path(0).path("text").asText()).isEqualTo("FAKE reply");
    }

    @Test
    void aCommandIsACallAndAResultAndItsApprovalAPermission() {
        List<AgentEvent> started = parse("{\"method\":\"item/started\",\"params\":{\"item\":{\"type\":"
                + "\"commandExecution\",\"id\":\"call_1\",\"command\":\"/bin/bash -c 'touch a'\",\"cwd\":\"/w\","
                + "\"status\":\"inProgress\"}}}");
        JsonNode call = started.get(0).data().path("item");
        assertThat(call.path("kind").asText()).isEqualTo("tool_call");
        assertThat(call.path("content").path(0).path("arguments").asText()).contains("touch a");
        List<AgentEvent> request = parse("{\"method\":\"item/commandExecution/requestApproval\",\"id\":0,"
                + "\"params\":{\"kind\":\"command\",\"itemId\":\"call_1\",\"command\":\"/bin/bash -c 'touch a'\","
                + "\"cwd\":\"/w\",\"reason\":\"needs it\"}}");
        assertThat(types(request)).containsExactly("permission.requested");
        assertThat(request.get(0).data().path("permission_id").asText()).isEqualTo("0");
        assertThat(request.get(0).data().path("action").asText()).isEqualTo("/bin/bash -c 'touch a'");
        List<ProtocolOutput> reply = protocol.replyPermission("0", "always");
        assertThat(replies(reply)).containsExactly("{\"id\":0,\"result\":{\"decision\":\"acceptForSession\"}}");
        AgentEvent resolved = events(reply, false).get(0);
        assertThat(resolved.type()).isEqualTo("permission.resolved");
        assertThat(resolved.data().toString()).isEqualTo("{\"permission_id\":\"0\",\"action\":"
                + "\"/bin/bash -c 'touch a'\",\"status\":\"accept_for_session\"}");
        assertThat(resolved.synthetic()).isTrue();
        assertThatThrownBy(() -> protocol.replyPermission("0", "once")).isInstanceOf(AgentReplyException.class);
        List<AgentEvent> completed = parse("{\"method\":\"item/completed\",\"params\":{\"item\":{\"type\":"
                + "\"commandExecution\",\"id\":\"call_1\",\"command\":\"touch a\",\"status\":\"completed\","
                + "\"aggregatedOutput\":\"done\\n\",\"exitCode\":0}}}");
        assertThat(types(completed)).containsExactly("item.completed"); // the call went out at the start
        JsonNode result = completed.get(0).data().path("item");
        assertThat(result.path("kind").asText()).isEqualTo("tool_result");
        assertThat(result.path("parent_id").asText()).isEqualTo("call_1");
        assertThat(result.path("content").path(0).path("output").asText()).isEqualTo("done\n");
        assertThat(result.path("content").path(0).path("exit_code").asInt()).isZero();

        List<AgentEvent> declined = parse("{\"method\":\"item/completed\",\"params\":{\"item\":{\"type\":"
                + "\"commandExecution\",\"id\":\"call_2\",\"command\":\"rm x\",\"status\":\"declined\"}}}");
        assertThat(declined).extracting(e -> e.data().path("item").path("kind").asText())
                .containsExactly("tool_call", "tool_result");
        assertThat(declined.get(1).data().path("item").path("status").asText()).isEqualTo("failed");
    }

    @Test
    void aFileChangeNamesItsPathsInTheApprovalAndItsResult() {
        parse("{\"method\":\"item/started\",\"params\":{\"item\":{\"type\":\"fileChange\",\"id\":\"call_p\","
                + "\"changes\":[{\"path\":\"/w/p.txt\",\"kind\":{\"type\":\"add\"},\"diff\":\"patched\\n\"}],"
                + "\"status\":\"inProgress\"}}}");
        List<AgentEvent> request = parse("{\"method\":\"item/fileChange/requestApproval\",\"id\":3,\"params\":{"
                + "\"itemId\":\"call_p\",\"reason\":null,\"grantRoot\":null}}");
        assertThat(request.get(0).data().path("action").asText()).isEqualTo("file change: /w/p.txt");
        List<AgentEvent> completed = parse("{\"method\":\"item/completed\",\"params\":{\"item\":{\"type\":"
                + "\"fileChange\",\"id\":\"call_p\",\"changes\":[{\"path\":\"/w/p.txt\",\"kind\":{\"type\":\"add\"},"
                + "\"diff\":\"patched\\n\"}],\"status\":\"completed\"}}}");
        JsonNode ref = completed.get(0).data().path("item").path("content").path(1);
        assertThat(ref.path("type").asText()).isEqualTo("file_ref");
        assertThat(ref.path("path").asText()).isEqualTo("/w/p.txt");
        // The anchor's read | write | patch, not Codex's add | update | delete.
        assertThat(ref.path("action").asText()).isEqualTo("write");
    }

    @Test
    void fileRefActionsUseTheAnchorsVocabulary() {
        List<AgentEvent> completed = parse("{\"method\":\"item/completed\",\"params\":{\"item\":{\"type\":"
                + "\"fileChange\",\"id\":\"call_v\",\"changes\":["
                + "{\"path\":\"/w/a.txt\",\"kind\":{\"type\":\"add\"},\"diff\":\"a\\n\"},"
                + "{\"path\":\"/w/u.txt\",\"kind\":{\"type\":\"update\",\"move_path\":null},\"diff\":\"@@\\n\"},"
                + "{\"path\":\"/w/d.txt\",\"kind\":{\"type\":\"delete\"},\"diff\":\"\"}],"
                + "\"status\":\"completed\"}}}");
        JsonNode content = completed.get(completed.size() - 1).data().path("item").path("content");
        List<String> actions = new java.util.ArrayList<>();
        content.forEach(part -> {
            if (part.path("type").asText().equals("file_ref")) {
                actions.add(part.path("action").asText());
            }
        });
        assertThat(actions).containsExactly("write", "patch", "write");
    }

    @Test
    void requestsWeDoNotServeAreAnsweredWithAnErrorAtOnce() {
        assertThat(protocol.onLine("{\"method\":\"mcpServer/elicitation/request\",\"id\":7,\"params\":{}}"))
                .containsExactly(new ProtocolOutput.Reply("{\"id\":7,\"error\":{\"code\":-32601,"
                        + "\"message\":\"sandbox-agent does not handle mcpServer/elicitation/request\"}}"));
        assertThat(replies(protocol.onLine("{\"method\":\"account/chatgptAuthTokens/refresh\",\"id\":\"r8\","
                + "\"params\":{}}"))).containsExactly("{\"id\":\"r8\",\"error\":{\"code\":-32601,"
                + "\"message\":\"sandbox-agent does not handle account/chatgptAuthTokens/refresh\"}}");
    }

    @Test
    void theModelsQuestionsBecomeAQuestionWithEveryQuestionAndTheFirstOnesOptions() {
        // As Codex 0.169 sent it (request_user_input with two questions; Codex adds isOther itself).
        List<AgentEvent> events = parse("{\"method\":\"item/tool/requestUserInput\",\"id\":5,\"params\":{"
                + "\"threadId\":\"t\",\"turnId\":\"n\",\"itemId\":\"call_q\",\"questions\":[{\"id\":\"color\","
                + "\"header\":\"Color\",\"question\":\"Which color?\",\"isOther\":true,\"isSecret\":false,"
                + "\"options\":[{\"label\":\"Blue\",\"description\":\"b\"},{\"label\":\"Red\",\"description\":\"r\"}]},"
                + "{\"id\":\"name\",\"header\":\"Name\",\"question\":\"What name?\",\"options\":null}],"
                + "\"isBlocking\":false,\"autoResolutionMs\":null}}");
        assertThat(types(events)).containsExactly("question.requested");
        JsonNode data = events.get(0).data();
        assertThat(data.path("question_id").asText()).isEqualTo("5");
        assertThat(data.path("prompt").asText()).isEqualTo("Which color?\nWhat name?");
        assertThat(data.path("options").toString()).isEqualTo("[\"Blue\",\"Red\"]");
        assertThat(data.path("status").asText()).isEqualTo("requested");
        assertThat(data.path("response").isNull()).isTrue();
        assertThat(data.path("questions").toString()).isEqualTo("[{\"question\":\"Which color?\",\"header\":"
                + "\"Color\",\"multi_select\":false,\"options\":[\"Blue\",\"Red\"]},{\"question\":\"What name?\","
                + "\"header\":\"Name\",\"multi_select\":false,\"options\":[]}]");
        assertThat(events.get(0).nativeSessionId()).isEqualTo("thread-1");
        // The answers go back keyed by Codex's question ids, in order.
        List<ProtocolOutput> reply = protocol.replyQuestion("5", List.of(List.of("Blue"), List.of("Ada", "Bo")));
        assertThat(replies(reply)).containsExactly("{\"id\":5,\"result\":{\"answers\":{\"color\":{\"answers\":"
                + "[\"Blue\"]},\"name\":{\"answers\":[\"Ada\",\"Bo\"]}}}}");
        AgentEvent resolved = events(reply, false).get(0);
        assertThat(resolved.data().path("status").asText()).isEqualTo("answered");
        assertThat(resolved.data().path("response").asText()).isEqualTo("Blue; Ada, Bo");
        assertThatThrownBy(() -> protocol.rejectQuestion("5")).isInstanceOf(AgentReplyException.class);
    }

    @Test
    void aRejectedQuestionIsAnsweredWithNoAnswers() {
        parse("{\"method\":\"item/tool/requestUserInput\",\"id\":6,\"params\":{\"questions\":[{\"id\":\"a\","
                + "\"question\":\"Go?\"}]}}");
        List<ProtocolOutput> reply = protocol.rejectQuestion("6");
        assertThat(replies(reply)).containsExactly("{\"id\":6,\"result\":{\"answers\":{}}}");
        assertThat(events(reply, false).get(0).data().path("status").asText()).isEqualTo("rejected");
    }

    @Test
    void aQuestionRequestWeCannotReadIsAnsweredWithAnErrorAndReportedUnparsed() {
        String method = "item/tool/requestUserInput";
        List<String> params = List.of("{}", "{\"questions\":[]}", "{\"questions\":{\"id\":\"a\"}}",
                "{\"questions\":[{\"question\":\"no id?\"}]}",
                "{\"questions\":[{\"id\":7,\"question\":\"numeric id?\"}]}",
                "{\"questions\":[{\"id\":\"a\"}]}",
                "{\"questions\":[{\"id\":\"a\",\"question\":\"x\"},{\"id\":\"a\",\"question\":\"twice\"}]}",
                "{\"questions\":[{\"id\":\"a\",\"question\":\"x\",\"options\":\"Blue\"}]}",
                "{\"questions\":[{\"id\":\"a\",\"question\":\"x\",\"options\":[{\"description\":\"no label\"}]}]}",
                "{\"questions\":[{\"id\":\"a\",\"question\":\"fine\"},42]}",
                "\"a string\"", "[1]", "null");
        for (int i = 0; i < params.size(); i++) {
            String line = "{\"method\":\"" + method + "\",\"id\":" + i + ",\"params\":" + params.get(i) + "}";
            List<ProtocolOutput> outputs = protocol.onLine(line);
            List<AgentEvent> events = events(outputs, false);
            assertThat(types(events)).as(line).containsExactly("agent.unparsed");
            assertThat(events.get(0).data().path("error").asText()).as(line).contains("without readable questions");
            assertThat(replies(outputs)).as(line).hasSize(1).allMatch(r -> r.contains("does not handle " + method));
        }
        List<ProtocolOutput> noParams = protocol.onLine("{\"method\":\"" + method + "\",\"id\":\"s\"}");
        assertThat(events(noParams, false)).hasSize(1);
        assertThat(replies(noParams)).hasSize(1);
    }

    @Test
    void anInterruptedTurnClosesItsOpenMessageBeforeItEnds() throws Exception {
        protocol.startTurn("t1", "slow");
        // Asked before Codex told the turn's id: sent as soon as it does.
        assertThat(protocol.interrupt()).isEmpty();
        List<String> interrupt = replies(protocol.onLine("{\"method\":\"turn/started\",\"params\":{\"turn\":"
                + "{\"id\":\"n1\",\"status\":\"inProgress\"}}}"));
        assertThat(interrupt).hasSize(1);
        assertThat(JSON.readTree(interrupt.get(0)).path("method").asText()).isEqualTo("turn/interrupt");
        assertThat(JSON.readTree(interrupt.get(0)).path("params").toString())
                .isEqualTo("{\"threadId\":\"thread-1\",\"turnId\":\"n1\"}");
        parse("{\"method\":\"thread/tokenUsage/updated\",\"params\":{\"turnId\":\"n1\",\"tokenUsage\":{\"last\":"
                + "{\"totalTokens\":15}}}}");
        parse("{\"method\":\"item/started\",\"params\":{\"item\":{\"type\":\"agentMessage\",\"id\":\"m\"}}}");
        parse("{\"method\":\"item/agentMessage/delta\",\"params\":{\"itemId\":\"m\",\"delta\":\"slow-1 \"}}");
        List<ProtocolOutput> end = protocol.onLine("{\"method\":\"turn/completed\",\"params\":{\"turn\":"
                + "{\"id\":\"n1\",\"status\":\"interrupted\",\"error\":null}}}");
        assertThat(end).hasSize(2);
        AgentEvent closed = events(end, false).get(0);
        assertThat(closed.type()).isEqualTo("item.completed");
        JsonNode item = closed.data().path("item");
        // What the agent said before the interrupt: completed, as Claude Code's is (docs/api.md).
        assertThat(item.path("status").asText()).isEqualTo("completed");
        assertThat(item.path("content").path(0).path("text").asText()).isEqualTo("slow-1 ");
        assertThat(end.get(1)).isInstanceOf(ProtocolOutput.TurnEnded.class);
        assertThat(turnEnded(end).metadata().status()).isEqualTo("interrupted");
        assertThat(turnEnded(end).metadata().usage()).isNull(); // an interrupted turn's usage is not its own
        assertThat(protocol.interrupt()).isEmpty(); // no turn runs
    }

    @Test
    void aCompletedTurnCarriesItsOwnUsageAndAFailedOneSaysError() {
        protocol.startTurn("t2", "hi");
        parse("{\"method\":\"thread/tokenUsage/updated\",\"params\":{\"turnId\":\"n2\",\"tokenUsage\":{\"last\":"
                + "{\"cacheWriteInputTokens\":1,\"cachedInputTokens\":2,\"inputTokens\":10,\"outputTokens\":5,"
                + "\"reasoningOutputTokens\":3,\"totalTokens\":15}}}}");
        ProtocolOutput.TurnEnded completed = turnEnded(protocol.onLine("{\"method\":\"turn/completed\",\"params\":"
                + "{\"turn\":{\"id\":\"n2\",\"status\":\"completed\",\"durationMs\":12}}}"));
        assertThat(completed.metadata().status()).isEqualTo("completed");
        assertThat(completed.metadata().usage().toString()).isEqualTo("{\"input_tokens\":10,"
                + "\"cached_input_tokens\":2,\"cache_write_input_tokens\":1,\"output_tokens\":5,"
                + "\"reasoning_output_tokens\":3}");
        assertThat(completed.metadata().durationMs().asInt()).isEqualTo(12);
        protocol.startTurn("t3", "hi");
        ProtocolOutput.TurnEnded failed = turnEnded(protocol.onLine("{\"method\":\"turn/completed\",\"params\":"
                + "{\"turn\":{\"id\":\"n3\",\"status\":\"failed\",\"error\":{\"message\":"
                + "\"{\\\"error\\\":{\\\"message\\\":\\\"boom\\\",\\\"code\\\":null}}\"}}}}"));
        assertThat(failed.metadata().status()).isEqualTo("error"); // one vocabulary for every agent
        assertThat(failed.metadata().error()).isEqualTo("boom"); // the provider's words, not its JSON body
    }

    @Test
    void errorsAndReasoningAreTranslated() {
        List<AgentEvent> error = parse("{\"method\":\"error\",\"params\":{\"error\":{\"message\":\"fake 500\","
                + "\"codexErrorInfo\":null},\"willRetry\":false,\"threadId\":\"t\",\"turnId\":\"n\"}}");
        assertThat(types(error)).containsExactly("error");
        assertThat(error.get(0).data().path("message").asText()).isEqualTo("fake 500");
        assertThat(error.get(0).data().path("code").asText()).isEqualTo("provider_error");
        assertThat(error.get(0).data().path("details").toString()).isEqualTo("{\"agent_code\":\"unknown\"}");
        List<AgentEvent> refused = parse("{\"method\":\"error\",\"params\":{\"error\":{\"message\":"
                + "\"{\\\"error\\\":{\\\"message\\\":\\\"no\\\"}}\",\"codexErrorInfo\":{\"responseStreamConnectionFailed\":"
                + "{\"httpStatusCode\":400}}},\"willRetry\":true}}");
        assertThat(refused.get(0).data().toString()).isEqualTo("{\"message\":\"no\",\"code\":\"provider_error\","
                + "\"details\":{\"agent_code\":\"responseStreamConnectionFailed\",\"http_status\":400,"
                + "\"provider_body\":\"{\\\"error\\\":{\\\"message\\\":\\\"no\\\"}}\"},\"will_retry\":true}");
        List<AgentEvent> sandbox = parse("{\"method\":\"error\",\"params\":{\"error\":{\"message\":\"denied\","
                + "\"codexErrorInfo\":\"sandboxError\"},\"willRetry\":false}}");
        assertThat(sandbox.get(0).data().path("code").asText()).isEqualTo("agent_error");
        List<AgentEvent> reasoning = parse("{\"method\":\"item/completed\",\"params\":{\"item\":{\"type\":"
                + "\"reasoning\",\"id\":\"r\",\"summary\":[\"thinking hard\"],\"content\":[]}}}");
        JsonNode part = reasoning.get(0).data().path("item").path("content").path(0);
        assertThat(part.path("type").asText()).isEqualTo("reasoning");
        assertThat(part.path("text").asText()).isEqualTo("thinking hard");
    }

    @Test
    void theConfigNamesTheKeyVariableButHoldsNoKey() {
        String toml = CodexConfig.toml("gpt-5.5", "http://127.0.0.1:9/v1/");
        assertThat(toml).contains("model = \"gpt-5.5\"", "model_provider = \"sandbox\"",
                "base_url = \"http://127.0.0.1:9/v1\"", "env_key = \"OPENAI_API_KEY\"",
                "check_for_update_on_startup = false", "daemon_auto_start = false",
                "default_mode_request_user_input = true", "suppress_unstable_features_warning = true");
        assertThat(CodexConfig.toml("m", null)).contains("base_url = \"https://api.openai.com/v1\"");
        assertThat(CodexConfig.quote("a\"b\\c\nd")).isEqualTo("\"a\\\"b\\\\c\\nd\"");
    }
}
