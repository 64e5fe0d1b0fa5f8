package dev.sandboxagent.server.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.agents.claude.ClaudeAdapter;
import dev.sandboxagent.agents.testing.Eventually;
import dev.sandboxagent.agents.testing.FakeAnthropic;
import dev.sandboxagent.agents.testing.RealAgents;
import dev.sandboxagent.server.ServerConfig;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.Transcripts;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import dev.sandboxagent.server.support.DockerSupport;
import dev.sandboxagent.server.support.RunningServer;
import dev.sandboxagent.server.support.SseReader;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server started with {@code --docker on} runs its own dockerd: it becomes ready, runs containers, comes back
 * after a kill -9, and restarts on request. One engine and one image for the whole class (a start costs seconds).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ManagedEngineTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path work;
    private static Path engineDir;
    private static RunningServer server;
    private static Api api;
    private static String dockerHost;

    @BeforeAll
    static void startServerWithEngine() throws Exception {
        Path dockerd = DockerSupport.requireDockerd();
        engineDir = DockerSupport.engineDir();
        ServerConfig base = RunningServer.config(work.resolve("data"), RunningServer.TOKEN, 1024 * 1024);
        Map<String, String> env = new HashMap<>(base.agentEnvironment());
        env.put("SANDBOX_AGENT_AGENTS_DIR", RealAgents.agentsDir().toString()); // for the agent test below
        server = RunningServer.start(new ServerConfig(base.host(), base.port(), base.token(), base.dataDir(),
                base.maxBodyBytes(), env).withDocker(DockerSettings.isolated(DockerSettings.Mode.ON, engineDir, dockerd)));
        api = server.api();
        dockerHost = "unix://" + engineDir.resolve("docker.sock");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        DockerSupport.deleteQuietly(engineDir);
    }

    @Test
    @Order(1)
    void theEngineIsReadyAndRunsALocallyBuiltImage() throws Exception {
        // mode on: the server only returned from start once the engine answered
        JsonNode docker = api.get("/v1/docker").json();
        assertThat(docker.get("state").asText()).isEqualTo("ready");
        assertThat(docker.get("source").asText()).isEqualTo("managed");
        assertThat(docker.get("mode").asText()).isEqualTo("on");
        assertThat(docker.get("version").asText()).isNotBlank();
        assertThat(docker.get("dockerHost").asText()).as("what agents get as DOCKER_HOST").isEqualTo(dockerHost);
        assertThat(DockerSupport.commandOf(docker.get("pid").asLong())).contains("dockerd", engineDir.toString());
        assertThat(api.get("/v1/health").json().get("docker").asText()).isEqualTo("ready");
        assertThat(api.get("/v1/processes").json().get("processes").findValuesAsText("name")).contains("dockerd");

        DockerSupport.buildImage(dockerHost, work);
        DockerSupport.Result run = DockerSupport.docker(dockerHost, "run", "--rm", "--network", "none",
                DockerSupport.IMAGE, "echo", "hello from busybox");
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("hello from busybox");

        JsonNode logs = api.get("/v1/docker/logs?tail=20").json();
        assertThat(logs.get("name").asText()).isEqualTo("dockerd");
        assertThat(logs.get("lines")).hasSizeBetween(1, 20);
        assertThat(api.get("/v1/docker/logs?tail=-1").status()).isEqualTo(400);
    }

    @Test
    @Order(2)
    void aKilledEngineCrashesAndComesBackWithinTheBackoff() throws Exception {
        long before = api.get("/v1/docker").json().get("pid").asLong();
        try (SseReader events = SseReader.open(api.base() + "/v1/events/sse", api.token(), null)) {
            ProcessHandle.of(before).orElseThrow().destroyForcibly(); // kill -9
            long killedAt = System.nanoTime();
            JsonNode crashed = events.await(e -> docker(e, "crashed"), WAIT);
            assertThat(crashed.at("/data/lastError").asText()).isEqualTo("killed by signal 9");
            JsonNode ready = events.await(e -> docker(e, "ready") && e.get("sequence").asLong()
                    > crashed.get("sequence").asLong(), WAIT);
            // first backoff 1 s, plus dockerd's own start
            assertThat(Duration.ofNanos(System.nanoTime() - killedAt)).isLessThan(Duration.ofSeconds(30));
            assertThat(ready.at("/data/pid").asLong()).isNotEqualTo(before);
            assertThat(ready.at("/data/restarts").asInt()).isEqualTo(1);
            assertThat(events.events()).anyMatch(e -> e.get("type").asText().equals("process.state")
                    && e.at("/data/name").asText().equals("dockerd") && e.at("/data/state").asText().equals("crashed"));
        }
        JsonNode now = api.get("/v1/docker").json();
        assertThat(now.get("state").asText()).isEqualTo("ready");
        assertThat(now.get("lastError").asText()).isEqualTo("killed by signal 9");
        DockerSupport.Result run = DockerSupport.docker(dockerHost, "run", "--rm", "--network", "none",
                DockerSupport.IMAGE, "echo", "still here");
        assertThat(run.output()).contains("still here");
    }

    @Test
    @Order(3)
    void restartOnRequest() {
        long before = api.get("/v1/docker").json().get("pid").asLong();
        Api.Answer answer = api.post("/v1/docker/restart", null);
        assertThat(answer.status()).as(answer.toString()).isEqualTo(202);
        JsonNode status = Eventually.await("a new dockerd ready", WAIT, () -> api.get("/v1/docker").json(),
                s -> s.get("state").asText().equals("ready") && s.get("pid").asLong() != before);
        assertThat(status.get("state").asText()).isEqualTo("ready");
        assertThat(status.get("pid").asLong()).isNotEqualTo(before);
        assertThat(DockerSupport.commandOf(before)).as("the old dockerd is gone").isEmpty();
    }

    /**
     * What the engine is for: an agent's own tool call runs a container. The real Claude Code, in bypass mode,
     * runs {@code docker} from its Bash tool with the DOCKER_HOST the session got.
     */
    @Test
    @Order(4)
    void anAgentSessionRunsAContainerThroughTheWarmEngine() throws Exception {
        RealAgents.require(ClaudeAdapter.ID, ClaudeAdapter.PACKAGE);
        Path project = Files.createDirectories(work.resolve("project"));
        try (FakeAnthropic provider = new FakeAnthropic()) {
            Api.require(api.post("/v1/sessions/dk", Api.json(Map.of("agent", "claude", "permissionMode", "bypass",
                    "directory", project.toString(), "credentials", Map.of("ANTHROPIC_API_KEY", "sk-ant-docker-test",
                            "ANTHROPIC_BASE_URL", provider.baseUrl())))), 200);
            String turn = Transcripts.send(api, "dk", "RUN_BASH: echo \"$DOCKER_HOST\" > docker-host.txt; docker run "
                    + "--rm --network none " + DockerSupport.IMAGE + " echo hi-from-a-container > from-container.txt",
                    null);
            JsonNode end = Transcripts.await(api, "dk", Transcripts.turnEnded(turn));
            assertThat(end.at("/data/metadata/status").asText()).isEqualTo("completed");
        }
        assertThat(Files.readString(project.resolve("docker-host.txt")).strip()).isEqualTo(dockerHost);
        assertThat(Files.readString(project.resolve("from-container.txt")).strip()).isEqualTo("hi-from-a-container");
    }

    private static boolean docker(JsonNode event, String state) {
        return event.get("type").asText().equals("docker.state") && event.at("/data/state").asText().equals(state);
    }
}
