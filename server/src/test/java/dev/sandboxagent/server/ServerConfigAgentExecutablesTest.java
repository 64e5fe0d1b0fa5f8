package dev.sandboxagent.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.RunningServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SANDBOX_AGENT_CLAUDE_PATH and its kin are configuration like any other: resolved and checked with the rest when
 * the server starts, so a typo is a start-up error rather than an agent that silently reads "not installed".
 */
class ServerConfigAgentExecutablesTest {
    @TempDir
    Path dir;

    private ServerConfig resolve(Map<String, String> env) throws Exception {
        return ServerConfig.resolve(null, 0, null, true, dir.resolve("data"), "off", null, env);
    }

    @Test
    void aPathThatIsNotThereOrNotExecutableIsAStartUpError() throws Exception {
        Path missing = dir.resolve("no-such-claude");
        assertThatThrownBy(() -> resolve(Map.of("SANDBOX_AGENT_CLAUDE_PATH", missing.toString())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("SANDBOX_AGENT_CLAUDE_PATH names " + missing + ", which does not exist");

        Path notExecutable = Files.writeString(dir.resolve("codex.txt"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(notExecutable, PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> resolve(Map.of("SANDBOX_AGENT_CODEX_PATH", notExecutable.toString())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("SANDBOX_AGENT_CODEX_PATH names " + notExecutable + ", which is not an executable file");
        assertThatThrownBy(() -> resolve(Map.of("SANDBOX_AGENT_PI_PATH", dir.toString())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SANDBOX_AGENT_PI_PATH names " + dir + ", which is not an executable file");
        // embedders build the record directly: the same check
        assertThatThrownBy(() -> new ServerConfig("127.0.0.1", 0, null, dir, 1024, Map.of(
                "SANDBOX_AGENT_GEMINI_PATH", missing.toString()))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SANDBOX_AGENT_GEMINI_PATH");

        assertThat(resolve(Map.of("SANDBOX_AGENT_CLAUDE_PATH", " ")).agentExecutables()).isEmpty(); // unset
    }

    @Test
    void aChosenExecutableIsTheAgentTheServerRuns() throws Exception {
        Path claude = Files.writeString(dir.resolve("my-claude"), "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(claude, PosixFilePermissions.fromString("rwx------"));
        Map<String, String> env = new HashMap<>(RunningServer.config(dir, null, 1024).agentEnvironment());
        env.put("SANDBOX_AGENT_CLAUDE_PATH", claude.toString());
        env.put("SANDBOX_AGENT_AGENTS_DIR", dir.resolve("no-agents").toString()); // nothing managed installed
        ServerConfig config = new ServerConfig("127.0.0.1", 0, RunningServer.TOKEN, dir.resolve("data"), 1024 * 1024,
                env);
        assertThat(config.agentExecutables()).isEqualTo(Map.of("claude", claude));

        try (RunningServer server = RunningServer.start(config)) {
            Api.Answer agents = server.api().get("/v1/agents");
            Api.require(agents, 200);
            JsonNode listed = null;
            for (JsonNode agent : agents.json().path("agents")) {
                if (agent.path("id").asText().equals("claude")) {
                    listed = agent;
                }
            }
            assertThat(listed).isNotNull();
            assertThat(listed.path("installed").asBoolean()).isTrue();
            assertThat(listed.path("path").asText()).isEqualTo(claude.toString());
        }
    }
}
