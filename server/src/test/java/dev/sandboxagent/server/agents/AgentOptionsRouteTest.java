package dev.sandboxagent.server.agents;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.ResponseSchemas;
import dev.sandboxagent.server.support.RunningServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v1/agents/{agent}/modes|models} before an agent said anything: the adapter's own lists, marked
 * {@code "source": "static"}, in the shape the served document describes. What an agent advertises, and that a
 * create's {@code agentMode} is checked against the same list, is proven with the real CLIs in
 * {@link AdvertisedModesAndModelsTest}.
 */
class AgentOptionsRouteTest {
    @TempDir
    Path dataDir;

    @Test
    void untilAnAgentSaysTheAdaptersOwnListsAnswerMarkedStatic() {
        try (RunningServer server = RunningServer.start(dataDir)) {
            Api api = server.api();
            for (String agent : List.of("mock", "claude", "codex", "opencode", "gemini")) {
                Api.Answer modes = api.get("/v1/agents/" + agent + "/modes");
                Api.require(modes, 200);
                assertThat(modes.json().path("source").asText()).as(agent).isEqualTo("static");
                assertThat(modes.json().path("modes")).as(agent).isNotEmpty();
                ResponseSchemas.assertMatches(api, modes.json(), "AgentModesResponse");

                Api.Answer models = api.get("/v1/agents/" + agent + "/models");
                Api.require(models, 200);
                assertThat(models.json().path("source").asText()).as(agent).isEqualTo("static");
                ResponseSchemas.assertMatches(api, models.json(), "AgentModelsResponse");
            }
            List<String> opencodeModes = ids(api.get("/v1/agents/opencode/modes").json().path("modes"));
            assertThat(opencodeModes).containsExactly("build");
        }
    }

    static List<String> ids(JsonNode list) {
        List<String> ids = new ArrayList<>();
        list.forEach(m -> ids.add(m.path("id").asText()));
        return ids;
    }
}
