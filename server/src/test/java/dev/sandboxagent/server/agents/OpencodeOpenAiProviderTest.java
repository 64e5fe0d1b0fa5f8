package dev.sandboxagent.server.agents;

import static dev.sandboxagent.server.support.Transcripts.filesContaining;
import static dev.sandboxagent.server.support.Transcripts.send;
import static dev.sandboxagent.server.support.Transcripts.turnEnded;
import static dev.sandboxagent.server.support.Transcripts.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.agents.acp.OpencodeAdapter;
import dev.sandboxagent.agents.testing.FakeOpenAI;
import dev.sandboxagent.agents.testing.RealAgents;
import dev.sandboxagent.server.ServerConfig;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.RunningServer;
import dev.sandboxagent.server.support.Transcripts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenCode with an OpenAI model, given only {@code OPENAI_API_KEY} and {@code OPENAI_BASE_URL} in the request's
 * credentials (no Anthropic variable at all): the real CLI from npm reaches {@link FakeOpenAI} on 127.0.0.1 with
 * that key (opencode's OpenAI provider speaks the Responses API, which the fake serves), the reply comes back, and
 * the key is in no file under the data dir: the {@code opencode.json} written for the session names it only as
 * {@code {env:OPENAI_API_KEY}}.
 */
class OpencodeOpenAiProviderTest {
    @TempDir
    Path dir;

    @Test
    void openAiVariablesReachOpencodesOpenAiProviderAndTheKeyStaysOffDisk() throws Exception {
        RealAgents.require(OpencodeAdapter.ID, OpencodeAdapter.PACKAGE);
        String key = "sk-openai-opencode-canary-" + Long.toHexString(System.nanoTime());
        Path data = dir.resolve("data");
        Path work = Files.createDirectories(dir.resolve("work"));
        try (FakeOpenAI provider = new FakeOpenAI(); RunningServer server = server(data)) {
            Api api = server.api();
            Api.Answer created = api.post("/v1/sessions/oa", Api.json(Map.of("agent", OpencodeAdapter.ID,
                    "model", "openai/gpt-4.1", "directory", work.toString(), "credentials",
                    Map.of("OPENAI_API_KEY", key, "OPENAI_BASE_URL", provider.baseUrl()))));
            Api.require(created, 200);

            String turn = send(api, "oa", "hello openai", null);
            JsonNode ended = Transcripts.await(api, "oa", turnEnded(turn), Duration.ofMinutes(4));

            assertThat(ended.at("/data/metadata/status").asText()).as("%s", api.events("oa")).isEqualTo("completed");
            assertThat(api.events("oa")).filteredOn(type("item.completed"))
                    .map(e -> e.at("/data/item/content/0/text").asText())
                    .contains("FAKE_REPLY: you said hello openai");
            assertThat(provider.authorizations()).contains("Bearer " + key);
            Path config;
            try (Stream<Path> files = Files.walk(data)) {
                config = files.filter(p -> p.endsWith(Path.of("opencode", "opencode.json"))).findFirst()
                        .orElseThrow();
            }
            assertThat(Files.readString(config, StandardCharsets.UTF_8))
                    .contains("{env:OPENAI_API_KEY}", provider.baseUrl()).doesNotContain(key);
            assertThat(filesContaining(data, key)).isEmpty();
        }
    }

    private static RunningServer server(Path data) {
        ServerConfig base = RunningServer.config(data, RunningServer.TOKEN, 1024 * 1024);
        Map<String, String> env = new HashMap<>(base.agentEnvironment());
        env.put("SANDBOX_AGENT_AGENTS_DIR", RealAgents.agentsDir().toString());
        env.put("npm_config_registry", "http://127.0.0.1:9/");
        return RunningServer.start(new ServerConfig(base.host(), base.port(), base.token(), base.dataDir(),
                base.maxBodyBytes(), env));
    }
}
