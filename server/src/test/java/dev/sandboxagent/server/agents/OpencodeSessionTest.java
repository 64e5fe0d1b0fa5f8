package dev.sandboxagent.server.agents;

import dev.sandboxagent.agents.acp.OpencodeAdapter;
import dev.sandboxagent.agents.install.Installation;
import dev.sandboxagent.agents.testing.FakeAnthropic;
import dev.sandboxagent.agents.testing.RealAgents;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenCode ({@code opencode acp}, the real CLI from npm) through our HTTP API against a fake Anthropic API, its key
 * and base URL given in the request's credentials only: every scenario in one session ({@link AcpSessionScenario}).
 */
class OpencodeSessionTest {
    @TempDir
    Path dir;

    @Test
    void oneSessionKeepsContextRunsAllowedCommandsSurvivesInterruptAndKillNine() throws Exception {
        Installation installed = RealAgents.require(OpencodeAdapter.ID, OpencodeAdapter.PACKAGE);
        String key = "sk-ant-opencode-canary-" + Long.toHexString(System.nanoTime());
        try (FakeAnthropic provider = new FakeAnthropic()) {
            // opencode forwards a reply's chunks only once the provider's message is done (docs/agents.md), so
            // its interrupt is sent once the provider holds the request. It folds a cancelled prompt into the next
            // user message, so the next turn streams slowly too: SLOW 60 (18 s) rather than 100.
            new AcpSessionScenario(OpencodeAdapter.ID,
                    Map.of("ANTHROPIC_API_KEY", key, "ANTHROPIC_BASE_URL", provider.baseUrl()), key,
                    "RUN_BASH: ", "SLOW 60", false,
                    () -> provider.requests().stream().map(FakeAnthropic::textOf).toList(), provider::apiKeys,
                    Map.entry(OpencodeAdapter.EXECUTABLE_VARIABLE, installed.executable()))
                    .run(dir);
        }
    }
}
