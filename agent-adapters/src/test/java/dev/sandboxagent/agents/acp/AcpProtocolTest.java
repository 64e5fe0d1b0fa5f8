package dev.sandboxagent.agents.acp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandboxagent.agents.AdvertisedOptions;
import dev.sandboxagent.agents.AgentDescriptor.AgentMode;
import dev.sandboxagent.agents.AgentEvent;
import dev.sandboxagent.schema.EventType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Replays the real transcripts recorded from opencode and gemini-cli in ACP mode (src/test/resources/acp, see
 * docs/agents.md) through {@link AcpProtocol}: every line we sent is re-made by the protocol's own builders and
 * must equal the recorded one byte for byte (so the recorded agent would have answered the protocol exactly as
 * it answered the recorder), and every line the agent wrote is read, giving the events checked below.
 */
class AcpProtocolTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a replay produced. */
    private record Replay(List<AgentEvent> events, List<AcpOutput.TurnFinished> turns,
                          List<AcpOutput.Answered> answers, AcpProtocol.State state) {
        List<AgentEvent> of(EventType type) {
            return events.stream().filter(e -> e.is(type)).toList();
        }

        String deltas() {
            return of(EventType.ITEM_DELTA).stream().map(e -> e.data().path("delta").asText())
                    .collect(Collectors.joining());
        }

        List<JsonNode> completedItems(String kind) {
            return of(EventType.ITEM_COMPLETED).stream().map(e -> e.data().path("item"))
                    .filter(item -> item.path("kind").asText().equals(kind)).toList();
        }

        String lastTurnText() {
            List<JsonNode> messages = completedItems("message");
            return messages.get(messages.size() - 1).path("content").path(0).path("text").asText();
        }
    }

    private static Replay replay(String agent, String scenario) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        try (InputStream in = AcpProtocolTest.class.getResourceAsStream("/acp/" + agent + "/" + scenario + ".jsonl")) {
            assertThat(in).as("fixture %s/%s", agent, scenario).isNotNull();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    lines.add(JSON.readTree(line));
                }
            }
        }
        AcpProtocol.State state = AcpProtocol.State.initial(null);
        List<AgentEvent> events = new ArrayList<>();
        List<AcpOutput.TurnFinished> turns = new ArrayList<>();
        List<AcpOutput.Answered> answers = new ArrayList<>();
        int turn = 0;
        for (JsonNode entry : lines) {
            JsonNode json = entry.path("json");
            AcpProtocol.Step step;
            switch (entry.path("from").asText()) {
                case "agent" -> step = AcpProtocol.read(state, json.isMissingNode() ? entry.path("text").asText()
                        : json.toString());
                case "client" -> {
                    step = ours(state, json, "turn-" + (turn + 1));
                    if (json.path("method").asText().equals("session/prompt")) {
                        turn++;
                    }
                    List<String> sent = step.outputs().stream().filter(o -> o instanceof AcpOutput.Send)
                            .map(o -> ((AcpOutput.Send) o).line()).toList();
                    assertThat(sent).as("what the protocol sends for %s", json).last()
                            .isEqualTo(json.toString());
                }
                case "note" -> {
                    // the agent was restarted: a new process, a new protocol state for the same session
                    state = AcpProtocol.State.initial(state.sessionId());
                    continue;
                }
                default -> {
                    continue; // the fake provider's replies: context for a reader, not protocol
                }
            }
            for (AcpOutput output : step.outputs()) {
                if (output instanceof AcpOutput.Emit emit) {
                    events.add(emit.event());
                } else if (output instanceof AcpOutput.TurnFinished finished) {
                    turns.add(finished);
                } else if (output instanceof AcpOutput.Answered answered) {
                    answers.add(answered);
                }
            }
            state = step.state();
        }
        return new Replay(events, turns, answers, state);
    }

    /** The protocol's own request for what the recorder sent. */
    private static AcpProtocol.Step ours(AcpProtocol.State state, JsonNode sent, String turnKey) {
        JsonNode params = sent.path("params");
        return switch (sent.path("method").asText("")) {
            case "initialize" -> AcpProtocol.initialize(state, params.path("clientInfo").path("name").asText(),
                    params.path("clientInfo").path("version").asText());
            case "session/new" -> AcpProtocol.newSession(state, params.path("cwd").asText());
            case "session/load" -> AcpProtocol.loadSession(state, params.path("sessionId").asText(),
                    params.path("cwd").asText());
            case "session/prompt" -> AcpProtocol.prompt(state, params.path("prompt").path(0).path("text").asText(),
                    turnKey);
            case "session/cancel" -> AcpProtocol.cancel(state);
            case "session/set_mode" -> AcpProtocol.setMode(state, params.path("modeId").asText());
            case "session/set_config_option" -> AcpProtocol.setConfigOption(state, params.path("configId").asText(),
                    params.path("value").asText());
            case "" -> AcpProtocol.replyPermission(state, sent.path("id").asText(), replyFor(state, sent));
            default -> throw new AssertionError("the recorder sent something the protocol cannot: " + sent);
        };
    }

    /** once / always / reject, from the kind of the option the recorder chose. */
    private static String replyFor(AcpProtocol.State state, JsonNode answer) {
        AcpProtocol.Permission pending = state.permissions().get(answer.path("id").asText());
        assertThat(pending).as("a permission request is open for %s", answer).isNotNull();
        String chosen = answer.path("result").path("outcome").path("optionId").asText();
        for (JsonNode option : pending.options()) {
            if (option.path("optionId").asText().equals(chosen)) {
                return Map.of("allow_once", "once", "allow_always", "always").getOrDefault(
                        option.path("kind").asText(), "reject");
            }
        }
        throw new AssertionError("the recorder chose an option the agent did not offer: " + answer);
    }

    @ParameterizedTest
    @ValueSource(strings = {"opencode", "gemini"})
    void plainTextStreamsAsOneMessageItem(String agent) throws IOException {
        Replay replay = replay(agent, "text");

        assertThat(replay.of(EventType.AGENT_UNPARSED)).isEmpty();
        assertThat(replay.of(EventType.ITEM_STARTED)).hasSize(1);
        assertThat(replay.of(EventType.ITEM_DELTA)).hasSizeGreaterThan(1);
        assertThat(replay.deltas()).isEqualTo("FAKE_REPLY: you said say hi");
        assertThat(replay.lastTurnText()).isEqualTo("FAKE_REPLY: you said say hi");
        assertThat(replay.completedItems("message").get(0).path("status").asText()).isEqualTo("completed");
        assertThat(replay.turns()).extracting(AcpOutput.TurnFinished::stopReason).containsExactly("end_turn");
        assertThat(replay.state().sessionId()).isNotBlank();
        assertThat(replay.answers()).extracting(AcpOutput.Answered::method)
                .containsExactly("initialize", "session/new");
    }

    /** The advertisement of one session answer in a replay ({@code session/new} or {@code session/load}). */
    private static AdvertisedOptions advertisedBy(Replay replay, String method) {
        return replay.answers().stream().filter(a -> a.method().equals(method)).reduce((a, b) -> b).orElseThrow()
                .advertised().options();
    }

    @Test
    void geminiAdvertisesItsSessionModesAndModelsOnSessionNewAndLoad() throws IOException {
        Replay text = replay("gemini", "text");
        AcpProtocol.Advertised advertised = text.answers().stream().filter(a -> a.method().equals("session/new"))
                .findFirst().orElseThrow().advertised();

        assertThat(advertised.modeConfigId()).as("ACP session modes: set with session/set_mode").isNull();
        AdvertisedOptions options = advertised.options();
        assertThat(options.modes()).containsExactly(
                new AgentMode("default", "Default", "Prompts for approval"),
                new AgentMode("autoEdit", "Auto Edit", "Auto-approves edit tools"),
                new AgentMode("yolo", "YOLO", "Auto-approves all tools"),
                new AgentMode("plan", "Plan", "Read-only mode"));
        assertThat(options.currentMode()).isEqualTo("default");
        assertThat(options.models()).extracting(AdvertisedOptions.Model::id).containsExactly("auto",
                "gemini-3.1-pro-preview-customtools", "gemini-3-flash-preview", "gemini-2.5-pro", "gemini-3.8-flash",
                "gemini-3.5-flash-lite");
        assertThat(options.models().get(1).name()).isEqualTo("gemini-3.1-pro-preview");
        assertThat(options.currentModel()).isEqualTo("gemini-2.5-flash");
        assertThat(options.modelsWithCurrent()).extracting(AdvertisedOptions.Model::id)
                .as("the model it runs (-m) is not among its choices, so it is added first")
                .startsWith("gemini-2.5-flash", "auto").hasSize(7);

        Replay load = replay("gemini", "load");
        assertThat(advertisedBy(load, "session/load")).isEqualTo(advertisedBy(load, "session/new"));
    }

    @Test
    void opencodeAdvertisesItsModesAndModelsAsConfigOptions() throws IOException {
        Replay text = replay("opencode", "text");
        AcpProtocol.Advertised advertised = text.answers().stream().filter(a -> a.method().equals("session/new"))
                .findFirst().orElseThrow().advertised();

        assertThat(advertised.modeConfigId()).as("the config option to set the mode with").isEqualTo("mode");
        AdvertisedOptions options = advertised.options();
        assertThat(options.modeIds()).containsExactly("build", "plan");
        assertThat(options.currentMode()).isEqualTo("build");
        assertThat(options.models()).hasSize(27).contains(
                new AdvertisedOptions.Model("anthropic/claude-fable-5", "Anthropic/Claude Fable 5"),
                new AdvertisedOptions.Model("anthropic/fake-model", "Anthropic/Fake"));
        assertThat(options.currentModel()).as("the one its config names").isEqualTo("anthropic/fake-model");
        assertThat(options.modelsWithCurrent()).isEqualTo(options.models());

        Replay load = replay("opencode", "load");
        assertThat(advertisedBy(load, "session/load").modeIds()).containsExactly("build", "plan");
        assertThat(advertisedBy(load, "session/load").models()).hasSize(27);
    }

    @Test
    void anAnswerThatAdvertisesNothingOrFailsCarriesNoAdvertisement() {
        AcpProtocol.State state = AcpProtocol.newSession(AcpProtocol.State.initial(null), "/w").state();
        AcpProtocol.Step bare = AcpProtocol.read(state, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"sessionId\":\"s\"}}");
        assertThat(bare.outputs()).singleElement().isInstanceOfSatisfying(AcpOutput.Answered.class,
                a -> assertThat(a.advertised()).isNull());
        AcpProtocol.Step failed = AcpProtocol.read(state, "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":1,"
                + "\"message\":\"no\"},\"result\":{\"modes\":{\"availableModes\":[{\"id\":\"x\"}]}}}");
        assertThat(failed.outputs()).singleElement().isInstanceOfSatisfying(AcpOutput.Answered.class,
                a -> assertThat(a.advertised()).isNull());
    }

    @Test
    void groupedConfigOptionsAndEntriesWithoutIdsAreReadAsTheSpecAllows() {
        AcpProtocol.Advertised advertised = AcpProtocol.advertised(JSON.createObjectNode().set("configOptions",
                JSON.createArrayNode().add(JSON.createObjectNode().put("id", "model").put("category", "model")
                        .put("type", "select").put("currentValue", "b/two").set("options", JSON.createArrayNode()
                                .add(JSON.createObjectNode().put("group", "a").put("name", "A")
                                        .set("options", JSON.createArrayNode()
                                                .add(JSON.createObjectNode().put("value", "a/one"))
                                                .add(JSON.createObjectNode().put("name", "no id"))))
                                .add(JSON.createObjectNode().put("value", "b/two").put("name", "Two"))))));

        assertThat(advertised.options().modes()).isEmpty();
        assertThat(advertised.modeConfigId()).isNull();
        assertThat(advertised.options().models()).containsExactly(new AdvertisedOptions.Model("a/one", null),
                new AdvertisedOptions.Model("b/two", "Two"));
        assertThat(advertised.options().currentModel()).isEqualTo("b/two");
    }

    @ParameterizedTest
    @ValueSource(strings = {"opencode", "gemini"})
    void slowStreamArrivesChunkByChunk(String agent) throws IOException {
        Replay replay = replay(agent, "streaming");

        assertThat(replay.of(EventType.AGENT_UNPARSED)).isEmpty();
        assertThat(replay.of(EventType.ITEM_DELTA)).extracting(e -> e.data().path("delta").asText())
                .containsExactly("slow-1 ", "slow-2 ", "slow-3 ", "slow-4 ");
        assertThat(replay.turns()).extracting(AcpOutput.TurnFinished::stopReason).containsExactly("end_turn");
    }

    @ParameterizedTest
    @ValueSource(strings = {"opencode", "gemini"})
    void shellToolCallGivesACallAndItsResult(String agent) throws IOException {
        Replay replay = replay(agent, "tool");

        assertThat(replay.of(EventType.AGENT_UNPARSED)).isEmpty();
        List<JsonNode> calls = replay.completedItems("tool_call");
        assertThat(calls).hasSize(1);
        JsonNode call = calls.get(0).path("content").path(0);
        assertThat(call.path("name").asText()).isEqualTo("execute");
        assertThat(call.path("arguments").asText()).contains("echo hello > made.txt");
        List<JsonNode> results = replay.completedItems("tool_result");
        assertThat(results).hasSize(1);
        assertThat(results.get(0).path("status").asText()).isEqualTo("completed");
        assertThat(results.get(0).path("parent_id").asText()).isEqualTo(call.path("call_id").asText());
        assertThat(replay.lastTurnText()).startsWith("FAKE_DONE: tool said:").contains("hello");
        assertThat(replay.of(EventType.PERMISSION_REQUESTED)).isEmpty();
    }

    @Test
    void geminiInYoloModeSetOverAcpRunsTheShellCommandUnasked() throws IOException {
        Replay replay = replay("gemini", "mode-yolo");

        assertThat(replay.of(EventType.AGENT_UNPARSED)).isEmpty();
        assertThat(replay.answers()).filteredOn(a -> a.method().equals("session/set_mode")).singleElement()
                .satisfies(a -> assertThat(a.error()).isNull());
        assertThat(replay.of(EventType.PERMISSION_REQUESTED)).isEmpty();
        assertThat(replay.completedItems("tool_result")).extracting(i -> i.path("status").asText())
                .containsExactly("completed");
        assertThat(replay.lastTurnText()).startsWith("FAKE_DONE: tool said:").contains("hello");
    }

    @ParameterizedTest
    @ValueSource(strings = {"opencode", "gemini"})
    void permissionAllowedOnceRunsTheTool(String agent) throws IOException {
        Replay replay = replay(agent, "permission-allow");

        assertThat(replay.of(EventType.AGENT_UNPARSED)).isEmpty();
        List<AgentEvent> asked = replay.of(EventType.PERMISSION_REQUESTED);
        assertThat(asked).hasSize(1);
        assertThat(asked.get(0).data().path("action").asText()).contains("echo hello > made.txt");
        assertThat(asked.get(0).data().path("metadata").path("options")).isNotEmpty();
        assertThat(replay.of(EventType.PERMISSION_RESOLVED)).extracting(e -> e.data().path("status").asText())
                .containsExactly("accept");
        assertThat(replay.completedItems("tool_result")).extracting(i -> i.path("status").asText())
                .containsExactly("completed");
        assertThat(replay.lastTurnText()).contains("hello");
        assertThat(replay.state().permissions()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"opencode", "gemini"})
    void permissionRejectedDoesNotRunTheTool(String agent) throws IOException {
        Replay replay = replay(agent, "permission-reject");

        assertThat(replay.of(EventType.AGENT_UNPARSED)).isEmpty();
        assertThat(replay.of(EventType.PERMISSION_REQUESTED)).hasSize(1);
        assertThat(replay.of(EventType.PERMISSION_RESOLVED)).extracting(e -> e.data().path("status").asText())
                .containsExactly("reject");
        assertThat(replay.completedItems("tool_result")).extracting(i -> i.path("status").asText())
                .doesNotContain("completed");
        assertThat(replay.turns()).hasSize(1);
    }

    @Test
    void geminiCancelEndsTheTurnWithItsMessageCutShortAndTheSessionStaysUsable() throws IOException {
        Replay replay = replay("gemini", "cancel");

        assertThat(replay.of(EventType.AGENT_UNPARSED)).isEmpty();
        assertThat(replay.turns()).extracting(AcpOutput.TurnFinished::stopReason)
                .containsExactly("cancelled", "end_turn");
        List<JsonNode> messages = replay.completedItems("message");
        assertThat(messages).hasSize(2);
        assertThat(messages.get(0).path("status").asText()).isEqualTo("completed");
        assertThat(messages.get(0).path("content").path(0).path("text").asText()).startsWith("slow-1 ");
        assertThat(replay.lastTurnText()).isEqualTo("FAKE_REPLY: you said still there?");
    }

    /**
     * opencode writes its chunks only when the provider's message is complete, so a turn cancelled mid-stream
     * shows no message at all, and opencode keeps no partial reply: the next request carries both prompts as one
     * user message (the fake then answers the first, SLOW 30, again).
     */
    @Test
    void opencodeCancelEndsTheTurnWithoutAMessageAndTheSessionStaysUsable() throws IOException {
        Replay replay = replay("opencode", "cancel");

        assertThat(replay.of(EventType.AGENT_UNPARSED)).isEmpty();
        assertThat(replay.turns()).extracting(AcpOutput.TurnFinished::stopReason)
                .containsExactly("cancelled", "end_turn");
        List<JsonNode> messages = replay.completedItems("message");
        assertThat(messages).singleElement().satisfies(m -> {
            assertThat(m.path("status").asText()).isEqualTo("completed");
            assertThat(m.path("item_id").asText()).startsWith("msg_");
        });
        assertThat(replay.lastTurnText()).startsWith("slow-1 ").endsWith("slow-30 ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"opencode", "gemini"})
    void loadAfterRestartReplaysNoHistoryAsNewEvents(String agent) throws IOException {
        Replay replay = replay(agent, "load");

        assertThat(replay.of(EventType.AGENT_UNPARSED)).isEmpty();
        assertThat(replay.answers()).extracting(AcpOutput.Answered::method)
                .contains("session/load");
        // one message per turn: the history the agent replays on session/load is not reported again
        assertThat(replay.completedItems("message")).extracting(i -> i.path("content").path(0).path("text").asText())
                .containsExactly("FAKE_REPLY: you said remember the word kiwi", "FAKE_REPLY: you said which word?");
        assertThat(replay.turns()).extracting(AcpOutput.TurnFinished::stopReason)
                .containsExactly("end_turn", "end_turn");
        List<String> ids = replay.of(EventType.ITEM_STARTED).stream()
                .map(e -> e.data().path("item").path("item_id").asText()).toList();
        assertThat(ids).doesNotHaveDuplicates();
    }

    /**
     * garbled.jsonl is text.jsonl (a recorded turn) with two lines the agent might write between two chunks of its
     * reply: a line of text (opencode's colored stderr under the PTY, a CLI's warning) and a JSON object that is not
     * JSON-RPC (a log record). Each is an {@code agent.unparsed} with the line as raw; the reply streams on in the
     * same item and the turn completes.
     */
    @ParameterizedTest
    @ValueSource(strings = {"opencode", "gemini"})
    void strayLinesMidTurnAreUnparsedAndTheTurnStillCompletes(String agent) throws IOException {
        Replay replay = replay(agent, "garbled");

        List<AgentEvent> unparsed = replay.of(EventType.AGENT_UNPARSED);
        assertThat(unparsed).hasSize(2);
        assertThat(unparsed.get(0).data().path("error").asText()).contains("not a JSON line");
        assertThat(unparsed.get(1).data().path("error").asText()).contains("without a method");
        assertThat(unparsed.get(1).raw().asText()).contains("\"level\":\"warn\"");
        assertThat(unparsed).allSatisfy(e -> assertThat(e.data().path("raw_hash").asText()).isNotBlank());
        assertThat(replay.of(EventType.ITEM_STARTED)).hasSize(1);
        assertThat(replay.deltas()).isEqualTo("FAKE_REPLY: you said say hi");
        assertThat(replay.completedItems("message")).singleElement()
                .satisfies(m -> assertThat(m.path("status").asText()).isEqualTo("completed"));
        assertThat(replay.turns()).extracting(AcpOutput.TurnFinished::stopReason).containsExactly("end_turn");
    }

    /**
     * provider-error.jsonl (recorded): the fake provider refuses the first prompt with a 400, which neither CLI
     * retries; the prompt's answer is a JSON-RPC error and the turn ends, and the next prompt is answered. Gemini
     * CLI gives the HTTP status as the error code and the provider's body as the message; opencode
     * {@code -32603} with {@code data.errorName: "APIError"}. (How that becomes {@code provider_error}:
     * {@code AcpAgentProtocolTest}.)
     */
    @ParameterizedTest
    @ValueSource(strings = {"opencode", "gemini"})
    void aRefusedRequestEndsTheTurnWithTheAgentsErrorAndTheNextTurnCompletes(String agent) throws IOException {
        Replay replay = replay(agent, "provider-error");

        assertThat(replay.of(EventType.AGENT_UNPARSED)).isEmpty();
        assertThat(replay.turns()).hasSize(2);
        assertThat(replay.turns().get(0).error()).isNotNull();
        assertThat(replay.turns().get(0).error().path("message").asText())
                .contains("the fake provider refuses this request");
        assertThat(replay.turns().get(1).error()).isNull();
        assertThat(replay.turns().get(1).stopReason()).isEqualTo("end_turn");
        assertThat(replay.lastTurnText()).startsWith("FAKE_REPLY: you said").contains("say hi again");
    }

    @Test
    void garbageAndUnknownMessagesBecomeUnparsedAndNeverThrow() {
        AcpProtocol.State state = AcpProtocol.State.initial("s1");
        for (String line : List.of("not json", "{\"jsonrpc\":\"2.0\",\"method\":\"made/up\"}", "{broken",
                "{\"jsonrpc\":\"2.0\",\"id\":99,\"result\":{}}")) {
            AcpProtocol.Step step = AcpProtocol.read(state, line);
            assertThat(step.outputs()).singleElement().isInstanceOfSatisfying(AcpOutput.Emit.class,
                    emit -> assertThat(emit.event().is(EventType.AGENT_UNPARSED)).isTrue());
        }
        assertThat(AcpProtocol.read(state, "\u001B[?25h").outputs()).isEmpty();
    }

    @Test
    void requestsWeDoNotServeAreAnsweredWithAnErrorAtOnce() throws IOException {
        AcpProtocol.Step step = AcpProtocol.read(AcpProtocol.State.initial("s1"),
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"fs/read_text_file\","
                        + "\"params\":{\"path\":\"/etc/passwd\"}}");

        assertThat(step.outputs()).singleElement().isInstanceOfSatisfying(AcpOutput.Send.class, send -> {
            try {
                JsonNode answer = JSON.readTree(send.line());
                assertThat(answer.path("id").asInt()).isEqualTo(7);
                assertThat(answer.path("error").path("code").asInt()).isEqualTo(-32601);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void cancelAnswersOpenPermissionRequestsCancelled() throws IOException {
        AcpProtocol.State state = AcpProtocol.prompt(AcpProtocol.State.initial("s1"), "go", "t1").state();
        state = AcpProtocol.read(state, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"session/request_permission\","
                + "\"params\":{\"sessionId\":\"s1\",\"options\":[{\"optionId\":\"a\",\"kind\":\"allow_once\"}],"
                + "\"toolCall\":{\"toolCallId\":\"c1\",\"title\":\"rm -rf x\",\"kind\":\"execute\"}}}").state();
        assertThat(state.permissions()).containsKey("0");

        AcpProtocol.Step cancelled = AcpProtocol.cancel(state);

        List<String> sent = cancelled.outputs().stream().filter(o -> o instanceof AcpOutput.Send)
                .map(o -> ((AcpOutput.Send) o).line()).toList();
        assertThat(JSON.readTree(sent.get(0)).path("result").path("outcome").path("outcome").asText())
                .isEqualTo("cancelled");
        assertThat(JSON.readTree(sent.get(1)).path("method").asText()).isEqualTo("session/cancel");
        assertThat(cancelled.state().permissions()).isEmpty();
        assertThat(AcpProtocol.replyPermission(cancelled.state(), "0", "once").outputs()).isEmpty();
    }
}
