package dev.sandboxagent.server.agents;

import static dev.sandboxagent.server.support.Transcripts.await;
import static dev.sandboxagent.server.support.Transcripts.send;
import static dev.sandboxagent.server.support.Transcripts.turnEnded;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sandboxagent.agents.claude.ClaudeAdapter;
import dev.sandboxagent.agents.install.Installation;
import dev.sandboxagent.agents.testing.FakeAnthropic;
import dev.sandboxagent.agents.testing.RealAgents;
import dev.sandboxagent.server.ServerConfig;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.RunningServer;
import dev.sandboxagent.server.support.SseReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A create for an agent that is not installed installs it first, with the real npm, its progress on the server's
 * event stream; a failed install answers a problem and leaves no session; {@code "install": false} refuses.
 */
class InstallOnCreateTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private RunningServer server(Map<String, String> extra, Duration installTimeout) {
        ServerConfig base = RunningServer.config(dir.resolve("data"), RunningServer.TOKEN, 1024 * 1024);
        Map<String, String> env = new HashMap<>(base.agentEnvironment());
        env.putAll(extra);
        ServerConfig config = new ServerConfig(base.host(), base.port(), base.token(), base.dataDir(),
                base.maxBodyBytes(), env).withAgentsDir(dir.resolve("agents"));
        if (installTimeout != null) {
            config = config.withLimits(ServerConfig.Limits.DEFAULTS.withInstallTimeout(installTimeout));
        }
        return RunningServer.start(config);
    }

    private static SseReader serverEvents(RunningServer server) {
        return SseReader.open(server.api().base() + "/v1/events/sse", RunningServer.TOKEN, null);
    }

    private static boolean install(JsonNode event, String what) {
        return event.path("type").asText().equals("agent.install." + what);
    }

    /** A fake npm first on PATH: {@code script} is its body. */
    private Path fakeNpm(String script) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path npm = bin.resolve("npm");
        Files.writeString(npm, "#!/bin/sh\n" + script);
        Files.setPosixFilePermissions(npm, PosixFilePermissions.fromString("rwx------"));
        return bin;
    }

    @Test
    void aCreateForAMissingAgentInstallsItFromTheRegistryAndItsFirstTurnWorks() throws Exception {
        String npm = findOnPath("npm");
        if (npm == null) {
            skipOrFail("npm is not on PATH: it is what installs agents");
        }
        // The real Claude Code package (cached by RealAgents), packed by npm and served by a registry on loopback:
        // the server's install is the real `npm install`, only the registry is local.
        Installation cached = RealAgents.require(ClaudeAdapter.ID, ClaudeAdapter.PACKAGE);
        Path packageDir = RealAgents.agentsDir().resolve(ClaudeAdapter.ID).resolve("node_modules")
                .resolve(ClaudeAdapter.PACKAGE.name());
        Path packed = Files.createDirectories(dir.resolve("packed"));
        run(List.of(npm, "pack", packageDir.toString(), "--pack-destination", packed.toString(), "--ignore-scripts",
                "--cache", dir.resolve("npm-cache-pack").toString()));
        Path tarball;
        try (Stream<Path> files = Files.list(packed)) {
            tarball = files.filter(p -> p.toString().endsWith(".tgz")).findFirst().orElseThrow();
        }
        ObjectNode manifest = (ObjectNode) Api.JSON.readTree(packageDir.resolve("package.json").toFile());
        // The native binary is already in the packed bin/claude.exe (the cached install's postinstall put it
        // there); the per-platform packages it names as optional are not served here.
        manifest.remove("optionalDependencies");
        String version = manifest.path("version").asText();
        assertThat(version).isEqualTo(ClaudeAdapter.PACKAGE.defaultVersion());
        assertThat(cached.version()).isEqualTo(version);
        try (LocalNpmRegistry registry = new LocalNpmRegistry(ClaudeAdapter.PACKAGE.name(), version, manifest,
                tarball);
             FakeAnthropic provider = new FakeAnthropic()) {
            Map<String, String> env = new HashMap<>(LocalNpmRegistry.npmSettings(registry.url(),
                    dir.resolve("npm-cache")));
            env.put("CLAUDE_CODE_MAX_RETRIES", "0");
            try (RunningServer server = server(env, null); SseReader events = serverEvents(server)) {
                Api api = server.api();
                assertThat(api.get("/v1/agents").body()).contains("\"installed\":false");
                Path work = Files.createDirectories(dir.resolve("work"));
                Api.Answer created = api.post("/v1/sessions/fresh", Api.json(Map.of("agent", "claude",
                        "directory", work.toString(), "credentials", Map.of("ANTHROPIC_API_KEY", "sk-test-install",
                                "ANTHROPIC_BASE_URL", provider.baseUrl()))));
                Api.require(created, 200);
                assertThat(created.json().path("healthy").asBoolean()).as(created.toString()).isTrue();

                JsonNode started = events.await(e -> install(e, "started"), WAIT);
                assertThat(started.at("/data/agent").asText()).isEqualTo("claude");
                assertThat(started.at("/data/version").asText()).isEqualTo(version);
                events.await(e -> install(e, "progress"), WAIT);
                JsonNode finished = events.await(e -> install(e, "finished"), WAIT);
                assertThat(finished.at("/data/version").asText()).isEqualTo(version);
                assertThat(finished.at("/data/path").asText()).startsWith(dir.resolve("agents").toString());
                assertThat(registry.requested()).anyMatch(p -> p.endsWith(".tgz"));
                assertThat(api.get("/v1/agents").body()).contains("\"installed\":true");

                String turn = send(api, "fresh", "hello after the install", null);
                JsonNode end = await(api, "fresh", turnEnded(turn));
                assertThat(end.at("/data/metadata/status").asText()).isEqualTo("completed");
                assertThat(api.events("fresh").toString()).contains("FAKE_REPLY: you said hello after the install");
            }
        }
    }

    @Test
    void aFailedInstallAnswers502AndLeavesNoSessionBehind() throws Exception {
        Path bin = fakeNpm("echo 'npm error code E500'\necho 'npm error the registry broke' >&2\nexit 1\n");
        try (RunningServer server = server(Map.of("PATH", bin + ":/usr/bin:/bin"), null);
             SseReader events = serverEvents(server)) {
            Api api = server.api();
            Api.Answer answer = api.post("/v1/sessions/broken", "{\"agent\":\"claude\"}");
            assertThat(answer.status()).as(answer.toString()).isEqualTo(502);
            assertThat(answer.contentType()).startsWith("application/problem+json");
            assertThat(answer.json().path("type").asText()).endsWith(":install_failed");
            assertThat(answer.json().path("detail").asText()).contains("exit code 1", "the registry broke");
            assertThat(api.get("/v1/sessions/broken").status()).isEqualTo(404);
            assertThat(api.get("/v1/sessions").json().path("sessions")).isEmpty();

            events.await(e -> install(e, "started"), WAIT);
            JsonNode failed = events.await(e -> install(e, "failed"), WAIT);
            assertThat(failed.at("/data/reason").asText()).isEqualTo("failed");
            assertThat(failed.at("/data/status").asInt()).isEqualTo(502);
            assertThat(events.events()).anyMatch(e -> install(e, "progress")
                    && e.at("/data/line").asText().contains("the registry broke"));

            // The id is free: a create that needs no install takes it.
            Api.Answer again = api.post("/v1/sessions/broken", "{\"agent\":\"mock\"}");
            Api.require(again, 200);
            assertThat(again.json().path("healthy").asBoolean()).isTrue();
        }
    }

    @Test
    void aHungInstallAnswers504AndLeavesNoSessionBehind() throws Exception {
        Path bin = fakeNpm("echo 'npm http fetch GET https://registry.npmjs.org/ (hanging)'\nexec sleep 600\n");
        try (RunningServer server = server(Map.of("PATH", bin + ":/usr/bin:/bin"), Duration.ofSeconds(2));
             SseReader events = serverEvents(server)) {
            Api api = server.api();
            Api.Answer answer = api.post("/v1/sessions/hung", "{\"agent\":\"claude\"}");
            assertThat(answer.status()).as(answer.toString()).isEqualTo(504);
            assertThat(answer.contentType()).startsWith("application/problem+json");
            assertThat(answer.json().path("type").asText()).endsWith(":install_timed_out");
            assertThat(api.get("/v1/sessions/hung").status()).isEqualTo(404);
            JsonNode failed = events.await(e -> install(e, "failed"), WAIT);
            assertThat(failed.at("/data/reason").asText()).isEqualTo("timed_out");
            Api.require(api.post("/v1/sessions/hung", "{\"agent\":\"mock\"}"), 200);
        }
    }

    @Test
    void concurrentCreatesForTheSameMissingAgentRunOneInstall() throws Exception {
        Path runs = dir.resolve("npm-runs");
        Path release = dir.resolve("release");
        // Each run leaves a line, then waits for the test to let it fail.
        Path bin = fakeNpm("echo run >> '" + runs + "'\nwhile [ ! -f '" + release + "' ]; do sleep 0.05; done\n"
                + "echo 'npm error released'\nexit 1\n");
        try (RunningServer server = server(Map.of("PATH", bin + ":/usr/bin:/bin"), null);
             SseReader events = serverEvents(server)) {
            Api api = server.api();
            CompletableFuture<Api.Answer> first = CompletableFuture.supplyAsync(
                    () -> api.post("/v1/sessions/one", "{\"agent\":\"claude\"}"));
            events.await(e -> install(e, "started"), WAIT);
            CompletableFuture<Api.Answer> second = CompletableFuture.supplyAsync(
                    () -> api.post("/v1/sessions/two", "{\"agent\":\"claude\"}"));
            // The second create must be waiting on the first's install by the time it is released; a second npm
            // run would show up in the runs file.
            dev.sandboxagent.agents.testing.Eventually.until("the second create waits on the first's install",
                    InstallOnCreateTest::aCreateWaitsOnAnInstall);
            Files.writeString(release, "go");
            Api.Answer a = first.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            Api.Answer b = second.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(a.status()).as(a.toString()).isEqualTo(502);
            assertThat(b.status()).as(b.toString()).isEqualTo(502);
            assertThat(Files.readAllLines(runs)).hasSize(1);
            assertThat(events.events()).filteredOn(e -> install(e, "started")).hasSize(1);
            assertThat(api.get("/v1/sessions").json().path("sessions")).isEmpty();
        }
    }

    @Test
    void installFalseRefusesAMissingAgentWith409AndStoresNothing() throws Exception {
        Path ran = dir.resolve("npm-ran");
        Path bin = fakeNpm("touch '" + ran + "'\nexit 1\n");
        try (RunningServer server = server(Map.of("PATH", bin + ":/usr/bin:/bin"), null)) {
            Api api = server.api();
            Api.Answer answer = api.post("/v1/sessions/nc", "{\"agent\":\"claude\",\"install\":false}");
            assertThat(answer.status()).as(answer.toString()).isEqualTo(409);
            assertThat(answer.contentType()).startsWith("application/problem+json");
            assertThat(answer.json().path("type").asText()).endsWith(":agent_not_installed");
            assertThat(answer.json().path("detail").asText()).contains("not installed",
                    "sandbox-agent install-agent claude");
            assertThat(api.get("/v1/sessions/nc").status()).isEqualTo(404);
            assertThat(ran).doesNotExist();

            Api.Answer notABoolean = api.post("/v1/sessions/nc", "{\"agent\":\"claude\",\"install\":\"no\"}");
            assertThat(notABoolean.status()).as(notABoolean.toString()).isEqualTo(400);
            assertThat(ran).doesNotExist();
            // A built-in agent needs no install either way.
            Api.require(api.post("/v1/sessions/nc", "{\"agent\":\"mock\",\"install\":false}"), 200);
        }
    }

    /** Whether a thread of this JVM (the server runs in it) is in ensureInstalled, joined to a running install. */
    private static boolean aCreateWaitsOnAnInstall() {
        for (StackTraceElement[] stack : Thread.getAllStackTraces().values()) {
            for (int i = 1; i < stack.length; i++) {
                if (stack[i].getClassName().equals(AgentInstalls.class.getName())
                        && stack[i].getMethodName().equals("ensureInstalled")
                        && stack[i - 1].getClassName().equals(CompletableFuture.class.getName())) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String findOnPath(String command) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, command))) {
                return Path.of(d, command).toString();
            }
        }
        return null;
    }

    private static void skipOrFail(String why) {
        if ("true".equals(System.getenv("CI"))) {
            Assertions.fail(why);
        }
        Assumptions.abort(why);
    }

    private void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(command + ": " + out).isZero();
    }
}
