package dev.sandboxagent.server.agents;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.agents.acp.GeminiAdapter;
import dev.sandboxagent.agents.testing.FakeGemini;
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
 * Gemini CLI's wire, pinned: the real CLI from npm ({@code gemini --acp}) against {@link FakeGemini} on 127.0.0.1,
 * through the real server, runs {@link RepresentativeTurns#runAcp} (text, streaming, an interrupt while the fake
 * stalls after one chunk, a refused request and a turn after it, a shell command allowed once with its result, one
 * rejected), and the events an SSE client receives are compared, normalized by {@link WireSnapshots}, with
 * {@code src/test/resources/snapshots/gemini.txt}. A change to what the server sends for Gemini CLI (the ACP
 * adapter, session core, event hub, or the CLI's pinned version) shows up as a unified diff of that file.
 *
 * <p>Normalized besides ids, times and durations: the data and session directories and the CLI's version.
 * Rewrite the snapshot with {@code -Dsnapshots.update=true} (see {@code WireSnapshotTest}).
 */
class GeminiWireSnapshotTest {
    @TempDir
    Path dir;

    @Test
    void geminisWireMatchesItsSnapshot() throws IOException {
        RealAgents.require(GeminiAdapter.ID, GeminiAdapter.PACKAGE);
        Path data = dir.resolve("data");
        Path work = Files.createDirectories(dir.resolve("work"));
        try (FakeGemini provider = new FakeGemini(); RunningServer server = server(data)) {
            List<JsonNode> events = RepresentativeTurns.runAcp(server, Map.of("agent", GeminiAdapter.ID,
                    "directory", work.toString(), "credentials",
                    Map.of("GEMINI_API_KEY", "gemini-snapshot", "GOOGLE_GEMINI_BASE_URL", provider.baseUrl())),
                    "RUN_SHELL: ", null);
            WireSnapshots.compare("gemini", WireSnapshots.normalizer()
                    .replacing(data.toString(), "<data-dir>")
                    .replacing(work.toString(), "<work-dir>")
                    .replacing(GeminiAdapter.PACKAGE.defaultVersion(), "<gemini-version>")
                    .normalize(events));
        }
    }

    private static RunningServer server(Path data) {
        ServerConfig base = RunningServer.config(data, RunningServer.TOKEN, 1024 * 1024);
        Map<String, String> env = new HashMap<>(base.agentEnvironment());
        env.put("SANDBOX_AGENT_AGENTS_DIR", RealAgents.agentsDir().toString());
        return RunningServer.start(new ServerConfig(base.host(), base.port(), base.token(), base.dataDir(),
                base.maxBodyBytes(), env));
    }
}
