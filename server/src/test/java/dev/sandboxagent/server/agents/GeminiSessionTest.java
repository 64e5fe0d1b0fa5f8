package dev.sandboxagent.server.agents;

import dev.sandboxagent.agents.acp.GeminiAdapter;
import dev.sandboxagent.agents.install.Installation;
import dev.sandboxagent.agents.testing.FakeGemini;
import dev.sandboxagent.agents.testing.RealAgents;
import static dev.sandboxagent.server.support.Transcripts.send;
import static dev.sandboxagent.server.support.Transcripts.turnEnded;
import static dev.sandboxagent.server.support.Transcripts.type;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.ServerProcess;
import dev.sandboxagent.server.support.Transcripts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gemini CLI ({@code gemini --acp}, the real CLI from npm) through our HTTP API against a fake Gemini API, its key
 * and base URL given in the request's credentials only: every scenario in one session ({@link AcpSessionScenario}).
 */
class GeminiSessionTest {
    @TempDir
    Path dir;

    @Test
    void oneSessionKeepsContextRunsAllowedCommandsSurvivesInterruptAndKillNine() throws Exception {
        Installation installed = RealAgents.require(GeminiAdapter.ID, GeminiAdapter.PACKAGE);
        String key = "gemini-canary-" + Long.toHexString(System.nanoTime());
        try (FakeGemini provider = new FakeGemini()) {
            new AcpSessionScenario(GeminiAdapter.ID,
                    Map.of("GEMINI_API_KEY", key, "GOOGLE_GEMINI_BASE_URL", provider.baseUrl()), key,
                    "RUN_SHELL: ", "SLOW 100", true,
                    () -> provider.requests().stream().map(FakeGemini::textOf).toList(), provider::apiKeys,
                    Map.entry(GeminiAdapter.EXECUTABLE_VARIABLE, installed.executable()))
                    .run(dir);
        }
    }

    /**
     * A session whose server died before its first message: gemini kept no conversation (its chat file holds only
     * the session context), so the next message starts afresh ({@code session/new}) instead of a
     * {@code session/load} gemini refuses with "No previous sessions found for this project".
     */
    @Test
    void aSessionWhoseServerDiedBeforeItsFirstMessageStartsAfresh() throws Exception {
        RealAgents.require(GeminiAdapter.ID, GeminiAdapter.PACKAGE);
        Map<String, String> env = Map.of("SANDBOX_AGENT_AGENTS_DIR", RealAgents.agentsDir().toString());
        Path data = dir.resolve("data");
        Path log = dir.resolve("server.log");
        Path work = Files.createDirectories(dir.resolve("work"));
        try (FakeGemini provider = new FakeGemini()) {
            Map<String, Object> credentials = Map.of("GEMINI_API_KEY", "gemini-fresh-key",
                    "GOOGLE_GEMINI_BASE_URL", provider.baseUrl());
            try (ServerProcess first = ServerProcess.start(data, log, env, List.of())) {
                Api.Answer created = first.api().post("/v1/sessions/g2", Api.json(Map.of("agent", GeminiAdapter.ID,
                        "directory", work.toString(), "credentials", credentials)));
                Api.require(created, 200);
                first.kill9();
            }
            try (ServerProcess second = ServerProcess.start(data, log, env, List.of())) {
                Api api = second.api();
                String turn = send(api, "g2", "hello after the crash", credentials);
                assertThat(Transcripts.await(api, "g2", turnEnded(turn), Duration.ofMinutes(4))
                        .at("/data/metadata/status").asText()).isEqualTo("completed");
                assertThat(api.events("g2")).filteredOn(type("session.resumed")).hasSize(1);
                second.terminate();
            }
        }
    }
}
