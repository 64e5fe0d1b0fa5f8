package dev.sandboxagent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandboxagent.agents.acp.GeminiAdapter;
import dev.sandboxagent.agents.testing.FakeGemini;
import dev.sandboxagent.agents.testing.RealAgents;
import dev.sandboxagent.cli.support.Cli;
import dev.sandboxagent.cli.support.Cli.Result;
import dev.sandboxagent.cli.support.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code api agents modes|models gemini} show what the real Gemini CLI (from npm, against a fake Gemini API on
 * 127.0.0.1) advertised once a session of it started: its own modes and models, none of which the server's static
 * lists have, and {@code --json} says the agent answered.
 */
class AgentOptionsCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;
    @TempDir
    Path home;

    @Test
    void modesAndModelsShowWhatGeminiAdvertised() throws Exception {
        RealAgents.require(GeminiAdapter.ID, GeminiAdapter.PACKAGE);
        Path work = Files.createDirectories(dataDir.resolve("work"));
        try (FakeGemini provider = new FakeGemini();
             TestServer server = TestServer.start(dataDir.resolve("data"),
                     Map.of("SANDBOX_AGENT_AGENTS_DIR", RealAgents.agentsDir().toString()))) {
            Cli cli = server.cli(home).env("GEMINI_API_KEY", "gemini-cli-modes")
                    .env("GOOGLE_GEMINI_BASE_URL", provider.baseUrl());
            JsonNode before = JSON.readTree(ok(cli.run("api", "agents", "modes", "gemini", "--json")).out());
            assertThat(before.path("source").asText()).isEqualTo("static");
            assertThat(ok(cli.run("api", "agents", "modes", "gemini")).out()).doesNotContain("autoEdit");

            ok(cli.run("api", "sessions", "create", "gm", "--agent", "gemini", "--directory", work.toString()));

            List<String> modes = ok(cli.run("api", "agents", "modes", "gemini")).outLines();
            assertThat(modes.get(0)).matches("ID +NAME +DESCRIPTION");
            assertThat(modes).anyMatch(l -> l.matches("autoEdit +Auto Edit +Auto-approves edit tools"));
            assertThat(modes).anyMatch(l -> l.startsWith("yolo "));
            JsonNode modesJson = JSON.readTree(ok(cli.run("api", "agents", "modes", "gemini", "--json")).out());
            assertThat(modesJson.path("source").asText()).isEqualTo("agent");

            List<String> models = ok(cli.run("api", "agents", "models", "gemini")).outLines();
            assertThat(models).anyMatch(l -> l.matches("gemini-3\\.8-flash +-"));
            assertThat(models).anyMatch(l -> l.matches(GeminiAdapter.DEFAULT_MODEL.replace(".", "\\.") + " +yes"));
            JsonNode modelsJson = JSON.readTree(ok(cli.run("api", "agents", "models", "gemini", "--json")).out());
            assertThat(modelsJson.path("source").asText()).isEqualTo("agent");
            assertThat(modelsJson.path("models")).anySatisfy(m -> {
                assertThat(m.path("id").asText()).isEqualTo("gemini-3.8-flash");
                assertThat(m.path("name").asText()).isEqualTo("gemini-3.8-flash");
            });
            ok(cli.run("api", "sessions", "terminate", "gm"));
        }
    }

    private static Result ok(Result result) {
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.err()).as(result.toString()).isEmpty();
        return result;
    }
}
