package dev.sandboxagent.server.agents;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.agents.claude.ClaudeAdapter;
import dev.sandboxagent.agents.testing.FakeAnthropic;
import dev.sandboxagent.agents.testing.RealAgents;
import dev.sandboxagent.server.ServerConfig;
import dev.sandboxagent.server.support.RunningServer;
import dev.sandboxagent.server.support.WireSnapshots;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Claude Code's wire, pinned: the real CLI from npm against {@link FakeAnthropic} on 127.0.0.1, through the real
 * server, runs {@link RepresentativeTurns} (text, streaming, a Bash call allowed once with its result, one
 * rejected, an AskUserQuestion answered, an interrupt, a refused request), and the events an SSE client receives
 * are compared, normalized by {@link WireSnapshots}, with {@code src/test/resources/snapshots/claude.txt}. A change
 * to what the server sends for Claude Code (adapter, session core, event hub, or the CLI's pinned version) shows
 * up as a unified diff of that file.
 *
 * <p>Normalized besides ids, times and durations: the data and session directories and the CLI's version. Usage
 * and cost figures are kept: the fake reports fixed token counts, so they are the same on every run. Rewrite the
 * snapshot with {@code -Dsnapshots.update=true} (see {@code WireSnapshotTest}).
 */
class ClaudeWireSnapshotTest {
    @TempDir
    Path dir;

    @Test
    void claudeCodesWireMatchesItsSnapshot() throws IOException {
        RealAgents.require(ClaudeAdapter.ID, ClaudeAdapter.PACKAGE);
        Path data = dir.resolve("data");
        Path work = Files.createDirectories(dir.resolve("work"));
        try (FakeAnthropic provider = new FakeAnthropic(); RunningServer server = server(data)) {
            List<JsonNode> events = RepresentativeTurns.run(server, Map.of("agent", "claude",
                    "permissionMode", "default", "directory", work.toString(), "credentials",
                    Map.of("ANTHROPIC_API_KEY", "sk-ant-snapshot", "ANTHROPIC_BASE_URL", provider.baseUrl())),
                    "RUN_BASH: ");
            WireSnapshots.compare("claude", WireSnapshots.normalizer()
                    .replacing(data.toString(), "<data-dir>")
                    .replacing(work.toString(), "<work-dir>")
                    .replacing(ClaudeAdapter.PACKAGE.defaultVersion(), "<claude-version>")
                    .normalize(events));
        }
    }

    private static RunningServer server(Path data) {
        ServerConfig base = RunningServer.config(data, RunningServer.TOKEN, 1024 * 1024);
        Map<String, String> env = new HashMap<>(base.agentEnvironment());
        env.put("SANDBOX_AGENT_AGENTS_DIR", RealAgents.agentsDir().toString());
        // As ClaudeSessionTest runs it: a failed request is never retried with backoff (a 400 is not retried anyway).
        env.put("CLAUDE_CODE_MAX_RETRIES", "0");
        return RunningServer.start(new ServerConfig(base.host(), base.port(), base.token(), base.dataDir(),
                base.maxBodyBytes(), env));
    }
}
