package dev.sandboxagent.server.agents;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.agents.claude.ClaudeAdapter;
import dev.sandboxagent.agents.testing.Eventually;
import dev.sandboxagent.agents.testing.RealAgents;
import dev.sandboxagent.server.ServerConfig;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.RunningServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** POST /v1/agents/{agent}/install with the real npm: idempotent, and clear about what went wrong. */
class AgentInstallRouteTest {
    @TempDir
    Path dir;

    private RunningServer server(Map<String, String> extra) {
        ServerConfig base = RunningServer.config(dir.resolve("data"), RunningServer.TOKEN, 1024 * 1024);
        Map<String, String> env = new HashMap<>(base.agentEnvironment());
        env.putAll(extra);
        return RunningServer.start(new ServerConfig(base.host(), base.port(), base.token(), base.dataDir(),
                base.maxBodyBytes(), env));
    }

    @Test
    void installingWhatIsThereAlreadyIsANoOpAndBuiltInAgentsNeedNoInstall() {
        RealAgents.require(ClaudeAdapter.ID, ClaudeAdapter.PACKAGE);
        try (RunningServer server = server(Map.of("SANDBOX_AGENT_AGENTS_DIR", RealAgents.agentsDir().toString()))) {
            Api api = server.api();
            Api.require(api.post("/v1/agents/claude/install", null), 204);
            Api.require(api.post("/v1/agents/claude/install",
                    "{\"agentVersion\":\"" + ClaudeAdapter.PACKAGE.defaultVersion() + "\"}"), 204);
            Api.require(api.post("/v1/agents/mock/install", "{}"), 204);
            Api.Answer unknown = api.post("/v1/agents/nonesuch/install", null);
            assertThat(unknown.status()).isEqualTo(400);
            assertThat(unknown.json().path("knownAgents").toString()).contains("claude");
            Api.Answer badVersion = api.post("/v1/agents/claude/install", "{\"agentVersion\":\"../../x\"}");
            assertThat(badVersion.status()).isEqualTo(400);
            assertThat(badVersion.json().path("type").asText()).endsWith(":no_such_version");
        }
    }

    @Test
    void anUnreachableRegistryIsA502ThatSaysSoAndInstallsNothing() {
        Path agents = dir.resolve("agents");
        // Port 9 on loopback: nothing listens, so npm's connection is refused at once.
        try (RunningServer server = server(Map.of("SANDBOX_AGENT_AGENTS_DIR", agents.toString(),
                "npm_config_registry", "http://127.0.0.1:9/", "npm_config_fetch_retries", "0",
                "npm_config_cache", dir.resolve("npm-cache").toString()))) {
            Api.Answer answer = server.api().post("/v1/agents/claude/install", null);
            assertThat(answer.status()).as(answer.toString()).isEqualTo(502);
            assertThat(answer.json().path("type").asText()).endsWith(":registry_unreachable");
            assertThat(answer.json().path("detail").asText()).contains("npm registry cannot be reached");
            assertThat(agents.resolve("claude")).doesNotExist();
            assertThat(server.api().get("/v1/agents").body()).contains("\"installed\":false");
        }
    }

    @Test
    void aHungNpmIsKilledWithItsChildrenAfterTheInstallTimeoutAndAnswered504() throws Exception {
        // A fake npm that prints a line, starts a child that holds its output open, records the child's PID and
        // hangs: neither EOF nor an exit ever comes on their own.
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path childPid = dir.resolve("child.pid");
        Path npm = bin.resolve("npm");
        Files.writeString(npm, "#!/bin/sh\necho 'npm http fetch GET https://registry.npmjs.org/ (hanging)'\n"
                + "sleep 600 &\necho $! > '" + childPid + "'\nwait\n");
        Files.setPosixFilePermissions(npm, PosixFilePermissions.fromString("rwx------"));
        Path agents = dir.resolve("agents");
        ServerConfig config = RunningServer.config(dir.resolve("data"), RunningServer.TOKEN, 1024 * 1024);
        Map<String, String> env = new HashMap<>(config.agentEnvironment());
        env.put("PATH", bin + ":/usr/bin:/bin");
        config = new ServerConfig(config.host(), config.port(), config.token(), config.dataDir(),
                config.maxBodyBytes(), env).withAgentsDir(agents)
                .withLimits(ServerConfig.Limits.DEFAULTS.withInstallTimeout(Duration.ofSeconds(2)));
        try (RunningServer server = RunningServer.start(config)) {
            Api.Answer answer = server.api().post("/v1/agents/claude/install", null);
            assertThat(answer.status()).as(answer.toString()).isEqualTo(504);
            assertThat(answer.contentType()).startsWith("application/problem+json");
            assertThat(answer.json().path("type").asText()).endsWith(":install_timed_out");
            assertThat(answer.json().path("detail").asText()).contains("npm did not finish within 2 s");
            long pid = Long.parseLong(Files.readString(childPid).strip());
            // destroyForcibly is SIGKILL and the installer waits for npm itself; its child may take a moment.
            Eventually.until("npm's child " + pid + " is gone",
                    () -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
            assertThat(agents.resolve("claude")).doesNotExist();
        }
    }
}
