package dev.sandboxagent.server.agents;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.agents.codex.CodexAdapter;
import dev.sandboxagent.agents.testing.FakeOpenAI;
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
 * Codex's wire, pinned: the real CLI from npm ({@code codex app-server}) against {@link FakeOpenAI} on 127.0.0.1,
 * through the real server, runs {@link RepresentativeTurns} (text, streaming, a shell command allowed once with its
 * result, one rejected, a {@code request_user_input} question answered, an interrupt, a refused request), and the
 * events an SSE client receives are compared, normalized by {@link WireSnapshots}, with
 * {@code src/test/resources/snapshots/codex.txt}. A change to what the server sends for Codex (adapter, session
 * core, event hub, or the CLI's pinned version) shows up as a unified diff of that file.
 *
 * <p>Normalized besides ids, times and durations: the data and session directories and the CLI's version.
 * Rewrite the snapshot with {@code -Dsnapshots.update=true} (see {@code WireSnapshotTest}).
 */
class CodexWireSnapshotTest {
    @TempDir
    Path dir;

    @Test
    void codexsWireMatchesItsSnapshot() throws IOException {
        RealAgents.require(CodexAdapter.ID, CodexAdapter.PACKAGE);
        Path data = dir.resolve("data");
        Path work = Files.createDirectories(dir.resolve("work"));
        Path home = Files.createDirectories(dir.resolve("home"));
        try (FakeOpenAI provider = new FakeOpenAI(); RunningServer server = server(data, home)) {
            List<JsonNode> events = RepresentativeTurns.run(server, Map.of("agent", "codex",
                    "directory", work.toString(), "credentials",
                    Map.of("OPENAI_API_KEY", "sk-openai-snapshot", "OPENAI_BASE_URL", provider.baseUrl())),
                    "RUN_SHELL: ");
            WireSnapshots.compare("codex", WireSnapshots.normalizer()
                    .replacing(data.toString(), "<data-dir>")
                    .replacing(work.toString(), "<work-dir>")
                    .replacing(CodexAdapter.PACKAGE.defaultVersion(), "<codex-version>")
                    .normalize(events));
        }
    }

    private static RunningServer server(Path data, Path home) {
        ServerConfig base = RunningServer.config(data, RunningServer.TOKEN, 1024 * 1024);
        Map<String, String> env = new HashMap<>(base.agentEnvironment());
        env.put("SANDBOX_AGENT_AGENTS_DIR", RealAgents.agentsDir().toString());
        // An empty HOME: Codex's tool shell would otherwise read this machine's rc files, and what they print
        // (here pyenv complaining about Codex's read-only sandbox) would be part of every command's output.
        env.put("HOME", home.toString());
        return RunningServer.start(new ServerConfig(base.host(), base.port(), base.token(), base.dataDir(),
                base.maxBodyBytes(), env));
    }
}
