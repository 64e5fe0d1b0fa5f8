package dev.sandboxagent.agents.codex;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.sandboxagent.agents.AgentEvent;
import dev.sandboxagent.agents.QuestionView;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The app-server line parser alone, on lines shaped like Codex 0.169's (see docs/agents.md). */
class CodexProtocolTest {
    private final List<String> calls = new ArrayList<>();
    private final CodexProtocol protocol = new CodexProtocol(new CodexProtocol.Control() {
        @Override
        public void response(long id, JsonNode result, JsonNode error) {
            calls.add("response " + id + " " + (error == null ? result : "error " + error.path("message").asText()));
        }

        @Override
        public void approval(JsonNode requestId, String action) {
            calls.add("approval " + requestId + " " + action);
        }

        @Override
        public void question(JsonNode requestId, List<String> questionIds, QuestionView view) {
            calls.add("question " + requestId + " " + questionIds + " " + view.prompt());
        }

        @Override
        public void unsupported(JsonNode requestId, String method) {
            calls.add("unsupported " + requestId + " " + method);
        }

        @Override
        public void turnStarted(String nativeTurnId) {
            calls.add("started " + nativeTurnId);
        }

        @Override
        public AgentEvent turnCompleted(JsonNode turn, JsonNode usage, JsonNode raw) {
            calls.add("completed " + turn.path("status").asText() + " usage " + usage);
            return new AgentEvent("turn.ended", JsonNodeFactory.instance.objectNode(), raw, null, false);
        }
    }, "thread-1");

    private List<AgentEvent> parse(String line) {
        return protocol.parse(line);
    }

    private static List<String> types(List<AgentEvent> events) {
        return events.stream().map(AgentEvent::type).toList();
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
        assertThat(calls).isEmpty();
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
    void answersGoToTheProcess() {
        assertThat(parse("{\"id\":1,\"result\":{\"userAgent\":\"x\"}}\r")).isEmpty();
        assertThat(parse("{\"id\":2,\"error\":{\"code\":-32600,\"message\":\"no thread\"}}")).isEmpty();
        assertThat(calls).containsExactly("response 1 {\"userAgent\":\"x\"}", "response 2 error no thread");
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
        assertThat(calls).containsExactly("approval 0 /bin/bash -c 'touch a'");
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
    void requestsWeDoNotServeAreHandedBackForAnError() {
        assertThat(parse("{\"method\":\"mcpServer/elicitation/request\",\"id\":7,\"params\":{}}")).isEmpty();
        assertThat(parse("{\"method\":\"account/chatgptAuthTokens/refresh\",\"id\":\"r8\",\"params\":{}}"))
                .isEmpty();
        assertThat(calls).containsExactly("unsupported 7 mcpServer/elicitation/request",
                "unsupported \"r8\" account/chatgptAuthTokens/refresh");
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
        assertThat(calls).containsExactly("question 5 [color, name] Which color?\nWhat name?");
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
            List<AgentEvent> events = parse(line);
            assertThat(types(events)).as(line).containsExactly("agent.unparsed");
            assertThat(events.get(0).data().path("error").asText()).as(line).contains("without readable questions");
        }
        assertThat(parse("{\"method\":\"" + method + "\",\"id\":\"s\"}")).hasSize(1); // no params at all
        assertThat(calls).hasSize(params.size() + 1).allMatch(c -> c.startsWith("unsupported ")
                && c.endsWith(" " + method));
    }

    @Test
    void anInterruptedTurnClosesItsOpenMessageBeforeItEnds() {
        parse("{\"method\":\"turn/started\",\"params\":{\"turn\":{\"id\":\"n1\",\"status\":\"inProgress\"}}}");
        parse("{\"method\":\"thread/tokenUsage/updated\",\"params\":{\"turnId\":\"n1\",\"tokenUsage\":{\"last\":"
                + "{\"totalTokens\":15}}}}");
        parse("{\"method\":\"item/started\",\"params\":{\"item\":{\"type\":\"agentMessage\",\"id\":\"m\"}}}");
        parse("{\"method\":\"item/agentMessage/delta\",\"params\":{\"itemId\":\"m\",\"delta\":\"slow-1 \"}}");
        List<AgentEvent> end = parse("{\"method\":\"turn/completed\",\"params\":{\"turn\":{\"id\":\"n1\","
                + "\"status\":\"interrupted\",\"error\":null}}}");
        assertThat(types(end)).containsExactly("item.completed", "turn.ended");
        JsonNode item = end.get(0).data().path("item");
        assertThat(item.path("status").asText()).isEqualTo("failed");
        assertThat(item.path("content").path(0).path("text").asText()).isEqualTo("slow-1 ");
        assertThat(calls).containsExactly("started n1", "completed interrupted usage null");
    }

    @Test
    void aCompletedTurnCarriesItsOwnUsage() {
        parse("{\"method\":\"thread/tokenUsage/updated\",\"params\":{\"turnId\":\"n2\",\"tokenUsage\":{\"last\":"
                + "{\"totalTokens\":15}}}}");
        parse("{\"method\":\"turn/completed\",\"params\":{\"turn\":{\"id\":\"n2\",\"status\":\"completed\"}}}");
        assertThat(calls).containsExactly("completed completed usage {\"totalTokens\":15}");
    }

    @Test
    void errorsAndReasoningAreTranslated() {
        List<AgentEvent> error = parse("{\"method\":\"error\",\"params\":{\"error\":{\"message\":\"fake 500\","
                + "\"codexErrorInfo\":null},\"willRetry\":false,\"threadId\":\"t\",\"turnId\":\"n\"}}");
        assertThat(types(error)).containsExactly("error");
        assertThat(error.get(0).data().path("message").asText()).isEqualTo("fake 500");
        assertThat(error.get(0).data().path("code").asText()).isEqualTo("codex_error");
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
