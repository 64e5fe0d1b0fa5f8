package dev.sandboxagent.agents.acp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandboxagent.agents.AgentReplyException;
import dev.sandboxagent.agents.ProtocolOutput;
import java.util.List;
import org.junit.jupiter.api.Test;

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
