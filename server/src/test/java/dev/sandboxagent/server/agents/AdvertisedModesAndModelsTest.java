package dev.sandboxagent.server.agents;

import static dev.sandboxagent.server.agents.AgentOptionsRouteTest.ids;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.agents.acp.GeminiAdapter;
import dev.sandboxagent.agents.acp.OpencodeAdapter;
import dev.sandboxagent.agents.testing.FakeAnthropic;
import dev.sandboxagent.agents.testing.FakeGemini;
import dev.sandboxagent.agents.testing.RealAgents;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.ResponseSchemas;
import dev.sandboxagent.server.support.ServerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v1/agents/{agent}/modes|models} answer what the real agent (from npm, against a fake provider on
 * 127.0.0.1) advertised as its session started, with modes and models only the agent knows (none of them is in
 * the adapter's static lists), marked {@code "source": "agent"}; before any session they answer the static lists,
 * and a create may then name a mode of the agent's own, which the agent is set to (its start would fail if the
 * agent refused it). The answers match the served document's schemas.
 */
class AdvertisedModesAndModelsTest {
    @TempDir
    Path dir;

    @Test
    void opencodesOwnModesAndModelsAnswerOnceASessionStarted() throws Exception {
        RealAgents.require(OpencodeAdapter.ID, OpencodeAdapter.PACKAGE);
        try (FakeAnthropic provider = new FakeAnthropic()) {
            run(OpencodeAdapter.ID, Map.of("ANTHROPIC_API_KEY", "sk-ant-modes", "ANTHROPIC_BASE_URL",
                    provider.baseUrl()), List.of("build", "plan"), "plan", "anthropic/claude-fable-5");
        }
    }

    @Test
    void geminisOwnModesAndModelsAnswerOnceASessionStarted() throws Exception {
        RealAgents.require(GeminiAdapter.ID, GeminiAdapter.PACKAGE);
        try (FakeGemini provider = new FakeGemini()) {
            run(GeminiAdapter.ID, Map.of("GEMINI_API_KEY", "gemini-modes", "GOOGLE_GEMINI_BASE_URL",
                    provider.baseUrl()), List.of("default", "autoEdit", "yolo", "plan"), "autoEdit",
                    "gemini-3.8-flash");
        }
    }

    /**
     * @param agentModes the modes the agent advertises, in its order
     * @param ownMode    one of them that the adapter's static list lacks
     * @param ownModel   a model the agent lists and the adapter's static list lacks
     */
    private void run(String agent, Map<String, Object> credentials, List<String> agentModes, String ownMode,
                     String ownModel) throws Exception {
        Path data = dir.resolve("data");
        Path log = dir.resolve("server.log");
        Path work = Files.createDirectories(dir.resolve("work"));
        // opencode fetches npm metadata at start; a closed loopback port keeps it offline (see AcpSessionScenario).
        Map<String, String> env = Map.of("SANDBOX_AGENT_AGENTS_DIR", RealAgents.agentsDir().toString(),
                "npm_config_registry", "http://127.0.0.1:9/");
        try (ServerProcess server = ServerProcess.start(data, log, env, List.of("agent-env=npm_config_registry"))) {
            Api api = server.api();
            JsonNode staticModes = get(api, agent, "modes", "AgentModesResponse");
            JsonNode staticModels = get(api, agent, "models", "AgentModelsResponse");
            assertThat(staticModes.path("source").asText()).isEqualTo("static");
            assertThat(ids(staticModes.path("modes"))).doesNotContain(ownMode);
            assertThat(ids(staticModels.path("models"))).doesNotContain(ownModel);
            Api.Answer early = api.post("/v1/sessions/early", Api.json(Map.of("agent", agent,
                    "directory", work.toString(), "agentMode", ownMode, "credentials", credentials)));
            assertThat(early.status()).as("a mode nobody listed yet: %s", early).isEqualTo(400);

            created(api, "first", Map.of("agent", agent, "directory", work.toString(), "credentials", credentials),
                    log);

            JsonNode modes = get(api, agent, "modes", "AgentModesResponse");
            assertThat(modes.path("source").asText()).isEqualTo("agent");
            assertThat(ids(modes.path("modes"))).containsExactlyElementsOf(agentModes);
            JsonNode models = get(api, agent, "models", "AgentModelsResponse");
            assertThat(models.path("source").asText()).isEqualTo("agent");
            assertThat(ids(models.path("models"))).contains(ownModel)
                    .as("the model the session runs is listed").contains(staticModels.path("defaultModel").asText());
            assertThat(models.path("models")).anySatisfy(m -> assertThat(m.path("name").isTextual()).isTrue());
            assertThat(models.path("defaultModel").asText()).isEqualTo(staticModels.path("defaultModel").asText());

            // Now a create may name the agent's own mode; the agent is set to it before the session is ready.
            created(api, "second", Map.of("agent", agent, "directory", work.toString(), "agentMode", ownMode,
                    "credentials", credentials), log);
            assertThat(api.session("second").path("agentMode").asText()).isEqualTo(ownMode);
            Api.Answer unknown = api.post("/v1/sessions/third", Api.json(Map.of("agent", agent,
                    "directory", work.toString(), "agentMode", "turbo", "credentials", credentials)));
            assertThat(unknown.status()).as(unknown.toString()).isEqualTo(400);
            assertThat(unknown.json().path("detail").asText()).contains(ownMode);
            server.terminate();
        }
    }

    private static JsonNode get(Api api, String agent, String what, String schema) {
        Api.Answer answer = api.get("/v1/agents/" + agent + "/" + what);
        Api.require(answer, 200);
        ResponseSchemas.assertMatches(api, answer.json(), schema);
        return answer.json();
    }

    private static void created(Api api, String id, Map<String, Object> body, Path log) throws Exception {
        Api.Answer created = api.post("/v1/sessions/" + id, Api.json(body));
        if (created.status() != 200 || !created.json().path("healthy").asBoolean()) {
            String tail = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "(no log)";
            throw new AssertionError("create " + id + ": " + created + "\n--- server log (tail):\n"
                    + tail.substring(Math.max(0, tail.length() - 4000)));
        }
    }
}
