package dev.sandboxagent.server.agents;

import dev.sandboxagent.agents.acp.GeminiAdapter;
import dev.sandboxagent.agents.testing.FakeGemini;
import dev.sandboxagent.agents.testing.RealAgents;
import java.nio.file.Path;
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
        RealAgents.require(GeminiAdapter.ID, GeminiAdapter.PACKAGE);
        String key = "gemini-canary-" + Long.toHexString(System.nanoTime());
        try (FakeGemini provider = new FakeGemini()) {
            new AcpSessionScenario(GeminiAdapter.ID,
                    Map.of("GEMINI_API_KEY", key, "GOOGLE_GEMINI_BASE_URL", provider.baseUrl()), key,
                    "RUN_SHELL: ", "SLOW 100", true,
                    () -> provider.requests().stream().map(FakeGemini::textOf).toList(), provider::apiKeys)
                    .run(dir);
        }
    }
}
