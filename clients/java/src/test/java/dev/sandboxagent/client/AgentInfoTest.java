package dev.sandboxagent.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** An agent's capabilities keep the server's order, so what the CLI prints from them reads the same on every run. */
class AgentInfoTest {
    /** The server's order (the anchor's declaration order): neither sorted nor any hash order. */
    private static final List<String> SERVER_ORDER = List.of("planMode", "permissions", "questions", "toolCalls",
            "toolResults", "textMessages", "images", "fileAttachments", "sessionLifecycle", "errorEvents",
            "reasoning", "status", "commandExecution", "fileChanges", "mcpTools", "streamingDeltas", "itemStarted",
            "sharedProcess");

    @Test
    void capabilitiesKeepTheOrderTheServerSentAndCannotBeChanged() throws Exception {
        String capabilities = SERVER_ORDER.stream().map(c -> "\"" + c + "\":" + c.startsWith("s"))
                .collect(Collectors.joining(","));
        AgentInfo info = LightJson.decode(LightJson.parse("{\"id\":\"mock\",\"capabilities\":{" + capabilities + "}}"),
                AgentInfo.class);

        assertThat(info.capabilities().keySet()).containsExactlyElementsOf(SERVER_ORDER);
        assertThat(info.capabilities().get("status")).isTrue();
        assertThat(info.capabilities().get("planMode")).isFalse();
        assertThatThrownBy(() -> info.capabilities().put("x", true)).isInstanceOf(UnsupportedOperationException.class);
    }
}
