package dev.sandboxagent.server.agents;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.agents.acp.OpencodeAdapter;
import dev.sandboxagent.agents.testing.Eventually;
import dev.sandboxagent.agents.testing.FakeAnthropic;
import dev.sandboxagent.agents.testing.RealAgents;
import dev.sandboxagent.server.ServerConfig;
import dev.sandboxagent.server.support.RunningServer;
import dev.sandboxagent.server.support.WireSnapshots;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenCode's wire, pinned: the real CLI from npm ({@code opencode acp}) against {@link FakeAnthropic} on 127.0.0.1,
 * through the real server, runs {@link RepresentativeTurns#runAcp} (text, streaming, an interrupt, a refused
 * request and a turn after it, a shell command allowed once with its result, one rejected), and the events an SSE
 * client receives are compared, normalized by {@link WireSnapshots}, with
 * {@code src/test/resources/snapshots/opencode.txt}. A change to what the server sends for OpenCode (the ACP
 * adapter, session core, event hub, or the CLI's pinned version) shows up as a unified diff of that file.
 *
 * <p>Normalized besides ids, times and durations: the data and session directories and the CLI's version.
 * Rewrite the snapshot with {@code -Dsnapshots.update=true} (see {@code WireSnapshotTest}).
 */
class OpencodeWireSnapshotTest {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    @Test
    void opencodesWireMatchesItsSnapshot() throws IOException {
        RealAgents.require(OpencodeAdapter.ID, OpencodeAdapter.PACKAGE);
        Path data = dir.resolve("data");
        Path work = Files.createDirectories(dir.resolve("work"));
        try (FakeAnthropic provider = new FakeAnthropic(); RunningServer server = server(data)) {
            // opencode may hold a message's chunks until the provider's message is complete, so the interrupt
            // waits for the fake to have sent the stalled turn's one delta rather than for our item.delta.
            AtomicBoolean stalledSent = new AtomicBoolean();
            provider.onReply(reply -> {
                if (reply.toString().contains("stalled ")) {
                    stalledSent.set(true);
                }
            });
            List<JsonNode> events = RepresentativeTurns.runAcp(server, Map.of("agent", OpencodeAdapter.ID,
                    "directory", work.toString(), "credentials",
                    Map.of("ANTHROPIC_API_KEY", "sk-ant-snapshot", "ANTHROPIC_BASE_URL", provider.baseUrl())),
                    "RUN_BASH: ", () -> Eventually.until("the fake provider stalls", WAIT, stalledSent::get));
            WireSnapshots.compare("opencode", WireSnapshots.normalizer()
                    .replacing(data.toString(), "<data-dir>")
                    .replacing(work.toString(), "<work-dir>")
                    .replacing(OpencodeAdapter.PACKAGE.defaultVersion(), "<opencode-version>")
                    .normalize(events));
        }
    }

    private static RunningServer server(Path data) {
        ServerConfig base = RunningServer.config(data, RunningServer.TOKEN, 1024 * 1024);
        Map<String, String> env = new HashMap<>(base.agentEnvironment());
        env.put("SANDBOX_AGENT_AGENTS_DIR", RealAgents.agentsDir().toString());
        // opencode fetches npm metadata at start; a closed loopback port keeps it offline (as OpencodeSessionTest).
        env.put("npm_config_registry", "http://127.0.0.1:9/");
        return RunningServer.start(new ServerConfig(base.host(), base.port(), base.token(), base.dataDir(),
                base.maxBodyBytes(), env));
    }
}
