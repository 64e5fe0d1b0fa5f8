package dev.sandboxagent.server.agents;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.agents.pi.PiAdapter;
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
 * pi's wire, pinned: the real CLI from npm ({@code pi --mode rpc}) against {@link FakeAnthropic} on 127.0.0.1,
 * through the real server, runs {@link RepresentativeTurns#runUnasked} (text, streaming, a thinking block, an
 * interrupt while the provider stalls, a refused request and a turn after it, a bash command, a file written with
 * pi's write tool; pi asks no permissions), and the events an SSE client receives are compared, normalized by {@link WireSnapshots}, with
 * {@code src/test/resources/snapshots/pi.txt}. A change to what the server sends for pi (its adapter, session core,
 * event hub, or the CLI's pinned version) shows up as a unified diff of that file.
 *
 * <p>Normalized besides ids, times and durations: the data and session directories and the CLI's version.
 * Rewrite the snapshot with {@code -Dsnapshots.update=true} (see {@code WireSnapshotTest}).
 */
class PiWireSnapshotTest {
    @TempDir
    Path dir;

    @Test
    void pisWireMatchesItsSnapshot() throws IOException {
        RealAgents.require(PiAdapter.ID, PiAdapter.PACKAGE);
        Path data = dir.resolve("data");
        Path work = Files.createDirectories(dir.resolve("work"));
        try (FakeAnthropic provider = new FakeAnthropic(); RunningServer server = server(data)) {
            List<JsonNode> events = RepresentativeTurns.runUnasked(server, Map.of("agent", PiAdapter.ID,
                    "directory", work.toString(), "credentials",
                    Map.of("ANTHROPIC_API_KEY", "sk-ant-snapshot", "ANTHROPIC_BASE_URL", provider.baseUrl())),
                    "RUN_BASH: ", work.resolve("notes.txt").toString());
            // Besides the snapshot, said plainly: the thinking block arrives as a reasoning item, and the command ran.
            assertThat(events).anySatisfy(e -> {
                assertThat(e.path("type").asText()).isEqualTo("item.completed");
                assertThat(e.at("/data/item/content/0/type").asText()).isEqualTo("reasoning");
                assertThat(e.at("/data/item/content/0/text").asText()).isEqualTo("FAKE_THOUGHT: about the wire");
            });
            assertThat(work.resolve("ran.txt")).hasContent("ran");
            // pi's write tool: the file is written, and its result names it in a file_ref.
            assertThat(work.resolve("notes.txt")).hasContent("hello notes");
            assertThat(events).anySatisfy(e -> {
                assertThat(e.path("type").asText()).isEqualTo("item.completed");
                assertThat(e.at("/data/item/content/1").toString()).isEqualTo("{\"type\":\"file_ref\",\"path\":\""
                        + work.resolve("notes.txt") + "\",\"action\":\"write\"}");
            });
            WireSnapshots.compare("pi", WireSnapshots.normalizer()
                    .replacing(data.toString(), "<data-dir>")
                    .replacing(work.toString(), "<work-dir>")
                    .replacing(PiAdapter.PACKAGE.defaultVersion(), "<pi-version>")
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
