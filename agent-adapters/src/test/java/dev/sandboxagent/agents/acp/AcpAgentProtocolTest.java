package dev.sandboxagent.agents.acp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandboxagent.agents.AgentReplyException;
import dev.sandboxagent.agents.ProtocolOutput;
import dev.sandboxagent.agents.WireVocabulary;
import dev.sandboxagent.schema.EventData;
import dev.sandboxagent.schema.EventType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link AcpAgentProtocol} on the adapter seam: the handshake its start waits for (initialize, then session/new or
 * session/load, then session/set_mode when a mode was asked for), the turn's end, and replies it cannot make. The
 * agent's answers are written as the recorded ones are (src/test/resources/acp), cut to what matters here.
 */
class AcpAgentProtocolTest {
    private static final String INITIALIZED = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"protocolVersion\":1,"
            + "\"agentCapabilities\":{\"loadSession\":true}}}";

    private static List<String> sent(List<ProtocolOutput> outputs) {
        return outputs.stream().filter(o -> o instanceof ProtocolOutput.Reply).map(o -> ((ProtocolOutput.Reply) o)
                .line()).toList();
    }

    @Test
    void aNewSessionIsReadyOnceSessionNewIsAnswered() {
        AcpAgentProtocol protocol = new AcpAgentProtocol("Agent", "/work", null, null, "1.0");

        assertThat(sent(protocol.open())).singleElement().asString().contains("\"method\":\"initialize\"");
        List<ProtocolOutput> afterInit = protocol.onLine(INITIALIZED);
        assertThat(sent(afterInit)).singleElement().asString().contains("\"method\":\"session/new\"")
                .contains("\"cwd\":\"/work\"");
        assertThat(afterInit).noneMatch(o -> o instanceof ProtocolOutput.Ready);

        List<ProtocolOutput> created = protocol.onLine("{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"sessionId\":\"s-1\"}}");
        assertThat(created).containsExactly(new ProtocolOutput.Ready("s-1"));
        assertThat(protocol.nativeSessionId()).isEqualTo("s-1");
    }

    @Test
    void aResumeLoadsTheSessionAndSetsTheModeBeforeItIsReady() {
        AcpAgentProtocol protocol = new AcpAgentProtocol("Agent", "/work", "s-1", "yolo", "1.0");
        protocol.open();

        assertThat(sent(protocol.onLine(INITIALIZED))).singleElement().asString()
                .contains("\"method\":\"session/load\"").contains("\"sessionId\":\"s-1\"");
        List<ProtocolOutput> loaded = protocol.onLine("{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{}}");
        assertThat(sent(loaded)).singleElement().asString().contains("\"method\":\"session/set_mode\"")
                .contains("\"modeId\":\"yolo\"");
        assertThat(loaded).noneMatch(o -> o instanceof ProtocolOutput.Ready);
        assertThat(protocol.onLine("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}"))
                .containsExactly(new ProtocolOutput.Ready("s-1"));
    }

    @Test
    void aSessionTheAgentCannotLoadFailsTheStart() {
        AcpAgentProtocol protocol = new AcpAgentProtocol("Gemini CLI", "/work", "s-1", null, "1.0");
        protocol.open();
        protocol.onLine(INITIALIZED);

        List<ProtocolOutput> refused = protocol.onLine("{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":-32603,"
                + "\"message\":\"Internal error\"}}");
        assertThat(refused).singleElement().isInstanceOfSatisfying(ProtocolOutput.StartFailed.class,
                f -> assertThat(f.reason()).contains("refused session/load", "Internal error"));
    }

    @Test
    void aCancelledPromptEndsTheTurnInterruptedAndAnUnknownPermissionIsRefused() {
        AcpAgentProtocol protocol = new AcpAgentProtocol("Agent", "/work", null, null, "1.0");
        protocol.open();
        protocol.onLine(INITIALIZED);
        protocol.onLine("{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"sessionId\":\"s-1\"}}");
        assertThat(protocol.interrupt()).as("no turn runs: nothing to cancel").isEmpty();

        assertThat(sent(protocol.startTurn("turn_1", "hello"))).singleElement().asString()
                .contains("\"method\":\"session/prompt\"");
        assertThat(sent(protocol.interrupt())).singleElement().asString().contains("\"method\":\"session/cancel\"");
        List<ProtocolOutput> ended = protocol.onLine("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":"
                + "{\"stopReason\":\"cancelled\"}}");
        assertThat(ended).singleElement().isInstanceOfSatisfying(ProtocolOutput.TurnEnded.class,
                t -> assertThat(t.metadata().status()).isEqualTo("interrupted"));

        assertThatThrownBy(() -> protocol.replyPermission("7", "once")).isInstanceOfSatisfying(
                AgentReplyException.class, e -> assertThat(e.reason())
                        .isEqualTo(AgentReplyException.Reason.UNKNOWN_REQUEST));
        assertThatThrownBy(() -> protocol.replyQuestion("q", List.of())).isInstanceOf(AgentReplyException.class);
    }

    /**
     * The recorded provider refusals (src/test/resources/acp/&lt;agent&gt;/provider-error.jsonl) on the seam, in the one
     * vocabulary of docs/api.md: an {@code error} {@code provider_error} with the agent's own code, the HTTP status
     * when the agent tells it (gemini), then {@code turn.ended} {@code error} with the same message; the next turn
     * completes.
     */
    @ParameterizedTest
    @CsvSource({"opencode, APIError, -1, Internal error: the fake provider refuses this request",
            "gemini, 400, 400, the fake provider refuses this request"})
    void aProviderRefusalIsAProviderErrorAndTheNextTurnCompletes(String agent, String agentCode, int httpStatus,
            String message) throws IOException {
        List<List<ProtocolOutput>> turns = replayTurns(agent, "provider-error");

        assertThat(turns).hasSize(2);
        List<EventData.Error> errors = turns.get(0).stream().filter(o -> o instanceof ProtocolOutput.Emit)
                .map(o -> ((ProtocolOutput.Emit) o).event()).filter(e -> e.is(EventType.ERROR))
                .map(e -> (EventData.Error) e.payload()).toList();
        assertThat(errors).singleElement().satisfies(error -> {
            assertThat(error.code()).isEqualTo(WireVocabulary.PROVIDER_ERROR);
            assertThat(error.message()).isEqualTo(message);
            assertThat(error.details().path("agent_code").asText()).isEqualTo(agentCode);
            if (httpStatus > 0) {
                assertThat(error.details().path("http_status").asInt()).isEqualTo(httpStatus);
                assertThat(error.details().path("provider_body").asText()).contains("INVALID_ARGUMENT");
            } else {
                assertThat(error.details().has("http_status")).as("opencode does not say the status").isFalse();
            }
        });
        assertThat(ended(turns.get(0)).metadata().status()).isEqualTo("error");
        assertThat(ended(turns.get(0)).metadata().error()).isEqualTo(message);
        assertThat(turns.get(1)).noneMatch(o -> o instanceof ProtocolOutput.Emit emit && emit.event()
                .is(EventType.ERROR));
        assertThat(ended(turns.get(1)).metadata().status()).isEqualTo("completed");
    }

    @Test
    void anErrorOfTheAgentsOwnIsAnAgentError() {
        EventData.Error error = AcpAgentProtocol.failure(JSON.createObjectNode().put("code", -32603)
                .put("message", "Internal error"));

        assertThat(error.code()).isEqualTo(WireVocabulary.AGENT_ERROR);
        assertThat(error.details().path("agent_code").asText()).isEqualTo("-32603");
        assertThat(error.details().has("http_status")).isFalse();
        assertThat(error.message()).isEqualTo("Internal error");
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ProtocolOutput.TurnEnded ended(List<ProtocolOutput> turn) {
        return turn.stream().filter(o -> o instanceof ProtocolOutput.TurnEnded).map(o -> (ProtocolOutput.TurnEnded) o)
                .findFirst().orElseThrow(() -> new AssertionError("no turn end in " + turn));
    }

    /**
     * A recorded transcript through a fresh {@link AcpAgentProtocol}: its own handshake (the recorder's numbering
     * is the same), the recorded prompts as turns, the agent's lines as they came; the outputs of each turn.
     */
    private static List<List<ProtocolOutput>> replayTurns(String agent, String scenario) throws IOException {
        AcpAgentProtocol protocol = new AcpAgentProtocol("Agent", "<cwd>", null, null, "0.0.1");
        protocol.open();
        List<List<ProtocolOutput>> turns = new ArrayList<>();
        try (InputStream in = AcpAgentProtocolTest.class.getResourceAsStream(
                "/acp/" + agent + "/" + scenario + ".jsonl")) {
            assertThat(in).as("fixture %s/%s", agent, scenario).isNotNull();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode entry = JSON.readTree(line);
                JsonNode json = entry.path("json");
                if (entry.path("from").asText().equals("client")
                        && json.path("method").asText().equals("session/prompt")) {
                    turns.add(new ArrayList<>(protocol.startTurn("turn-" + (turns.size() + 1),
                            json.at("/params/prompt/0/text").asText())));
                } else if (entry.path("from").asText().equals("agent")) {
                    List<ProtocolOutput> out = protocol.onLine(json.isMissingNode() ? entry.path("text").asText()
                            : json.toString());
                    if (!turns.isEmpty()) {
                        turns.get(turns.size() - 1).addAll(out);
                    }
                }
            }
        }
        return turns;
    }

    private static final String GEMINI_MODES = "\"modes\":{\"availableModes\":[{\"id\":\"default\",\"name\":\"Default\","
            + "\"description\":\"Prompts for approval\"},{\"id\":\"yolo\",\"name\":\"YOLO\",\"description\":\"Auto-approves "
            + "all tools\"}],\"currentModeId\":\"default\"}";
    private static final String OPENCODE_OPTIONS = "\"configOptions\":[{\"id\":\"mode\",\"name\":\"Session Mode\","
            + "\"category\":\"mode\",\"type\":\"select\",\"currentValue\":\"build\",\"options\":[{\"value\":\"build\","
            + "\"name\":\"build\"},{\"value\":\"plan\",\"name\":\"plan\"}]}]";

    @Test
    void whatTheSessionAnswerAdvertisedIsKeptAsTypedOptions() {
        AcpAgentProtocol protocol = new AcpAgentProtocol("Gemini CLI", "/work", null, null, "1.0");
        protocol.open();
        protocol.onLine(INITIALIZED);
        assertThat(protocol.advertised()).isEmpty();

        protocol.onLine("{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"sessionId\":\"s-1\"," + GEMINI_MODES
                + ",\"models\":{\"availableModels\":[{\"modelId\":\"gemini-2.5-pro\",\"name\":\"Pro\"}],"
                + "\"currentModelId\":\"gemini-2.5-flash\"}}}");

        assertThat(protocol.advertised()).hasValueSatisfying(a -> {
            assertThat(a.modeIds()).containsExactly("default", "yolo");
            assertThat(a.models()).extracting(m -> m.id()).containsExactly("gemini-2.5-pro");
            assertThat(a.currentModel()).isEqualTo("gemini-2.5-flash");
        });
    }

    @Test
    void aModeTheAgentDidNotAdvertiseFailsTheStartNamingThoseItHas() {
        AcpAgentProtocol protocol = new AcpAgentProtocol("Gemini CLI", "/work", null, "turbo", "1.0");
        protocol.open();
        protocol.onLine(INITIALIZED);

        List<ProtocolOutput> created = protocol.onLine("{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"sessionId\":\"s-1\","
                + GEMINI_MODES + "}}");
        assertThat(created).singleElement().isInstanceOfSatisfying(ProtocolOutput.StartFailed.class,
                f -> assertThat(f.reason()).isEqualTo("has no mode 'turbo'; it advertises default, yolo"));
    }

    @Test
    void aModeAdvertisedAsAConfigOptionIsSetWithSetConfigOption() {
        AcpAgentProtocol protocol = new AcpAgentProtocol("OpenCode", "/work", null, "plan", "1.0");
        protocol.open();
        protocol.onLine(INITIALIZED);

        List<ProtocolOutput> created = protocol.onLine("{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"sessionId\":"
                + "\"ses_1\"," + OPENCODE_OPTIONS + "}}");
        assertThat(sent(created)).containsExactly("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"session/set_config_option\","
                + "\"params\":{\"sessionId\":\"ses_1\",\"configId\":\"mode\",\"value\":\"plan\"}}");
        assertThat(created).noneMatch(o -> o instanceof ProtocolOutput.Ready);
        assertThat(protocol.onLine("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{" + OPENCODE_OPTIONS + "}}"))
                .containsExactly(new ProtocolOutput.Ready("ses_1"));
    }
}
