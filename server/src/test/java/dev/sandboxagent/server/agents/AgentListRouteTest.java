package dev.sandboxagent.server.agents;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.RunningServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v1/agents} lists every agent's capability flags in the anchor's declaration order (its
 * AgentCapabilities struct), not in a hash order that changes from one run to the next.
 */
class AgentListRouteTest {
    /** The anchor's AgentCapabilities fields, in declaration order (its schema's "required" list). */
    static final List<String> ANCHOR_ORDER = List.of("planMode", "permissions", "questions", "toolCalls",
            "toolResults", "textMessages", "images", "fileAttachments", "sessionLifecycle", "errorEvents",
            "reasoning", "status", "commandExecution", "fileChanges", "mcpTools", "streamingDeltas", "itemStarted",
            "sharedProcess");

    @TempDir
    Path dataDir;

    @Test
    void capabilitiesComeInTheAnchorsDeclarationOrder() {
        try (RunningServer server = RunningServer.start(dataDir)) {
            Api.Answer answer = server.api().get("/v1/agents");
            Api.require(answer, 200);
            JsonNode agents = answer.json().path("agents");
            assertThat(agents).isNotEmpty();
            for (JsonNode agent : agents) {
                List<String> keys = new ArrayList<>();
                agent.path("capabilities").fieldNames().forEachRemaining(keys::add); // in the body's order
                assertThat(keys).as(agent.path("id").asText()).containsExactlyElementsOf(ANCHOR_ORDER);
            }
        }
    }
}
