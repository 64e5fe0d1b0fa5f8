package dev.sandboxagent.server.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.DockerSupport;
import dev.sandboxagent.server.support.RunningServer;
import dev.sandboxagent.server.support.SseReader;
import java.time.Duration;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --docker auto}: adopt an engine that is already there, or report none and carry on. */
class AutoModeTest {
    @TempDir
    Path work;

    @Test
    void anEngineAlreadyRunningIsAdoptedAndNoSecondOneStarts() throws Exception {
        Path dockerd = DockerSupport.requireDockerd();
        Path unusedDir = DockerSupport.engineDir();
        try (DockerSupport.TestEngine engine = DockerSupport.TestEngine.start(dockerd)) {
            DockerSettings settings = DockerSettings.isolated(DockerSettings.Mode.AUTO, unusedDir, dockerd)
                    .withSocket(engine.socket());
            try (RunningServer server = RunningServer.start(RunningServer.config(work, RunningServer.TOKEN, 1 << 20)
                    .withDocker(settings))) {
                Api api = server.api();
                JsonNode docker = api.get("/v1/docker").json();
                assertThat(docker.get("state").asText()).isEqualTo("ready");
                assertThat(docker.get("source").asText()).isEqualTo("adopted");
                assertThat(docker.get("dockerHost").asText()).isEqualTo("unix://" + engine.socket());
                assertThat(docker.get("pid").isNull()).isTrue();
                assertThat(api.get("/v1/processes").json().get("processes")).isEmpty();
                // the only dockerd this JVM has started is the test's own
                assertThat(ProcessHandle.current().children())
                        .filteredOn(p -> DockerSupport.commandOf(p.pid()).contains("dockerd"))
                        .extracting(ProcessHandle::pid).containsExactly(engine.pid());
                Api.Answer restart = api.post("/v1/docker/restart", null);
                assertThat(restart.status()).isEqualTo(409);
                assertThat(restart.json().get("type").asText()).endsWith("docker_not_managed");
                assertThat(api.get("/v1/docker/logs").status()).isEqualTo(409);
            }
            assertThat(ProcessHandle.of(engine.pid()).map(ProcessHandle::isAlive)).as("adopted, not stopped")
                    .contains(true);
        } finally {
            DockerSupport.deleteQuietly(unusedDir);
        }
    }

    @Test
    void anAdoptedEngineThatStopsAnsweringIsReportedAndAgentsNoLongerGetIt() throws Exception {
        Path dockerd = DockerSupport.requireDockerd();
        Path unusedDir = DockerSupport.engineDir();
        DockerSupport.TestEngine engine = DockerSupport.TestEngine.start(dockerd);
        try {
            DockerSettings settings = DockerSettings.isolated(DockerSettings.Mode.AUTO, unusedDir, dockerd)
                    .withSocket(engine.socket());
            try (RunningServer server = RunningServer.start(RunningServer.config(work, RunningServer.TOKEN, 1 << 20)
                    .withDocker(settings));
                 SseReader events = SseReader.open(server.api().base() + "/v1/events/sse", server.api().token(),
                         null)) {
                Api api = server.api();
                assertThat(api.get("/v1/docker").json().get("state").asText()).isEqualTo("ready");
                engine.close(); // someone else's engine goes away
                JsonNode gone = events.await(e -> e.get("type").asText().equals("docker.state")
                        && e.at("/data/state").asText().equals("unhealthy"), Duration.ofSeconds(30));
                assertThat(gone.at("/data/source").asText()).isEqualTo("adopted");
                JsonNode docker = api.get("/v1/docker").json();
                assertThat(docker.get("state").asText()).isEqualTo("unhealthy");
                assertThat(docker.get("dockerHost").isNull()).isTrue();
                assertThat(api.get("/v1/health").json().get("status").asText()).isEqualTo("ok");
            }
        } finally {
            engine.close();
            DockerSupport.deleteQuietly(unusedDir);
        }
    }

    @Test
    void withNoDockerdInstalledTheEngineIsAbsentAndTheServerWorks() {
        Path dir = work.resolve("engine");
        DockerSettings settings = DockerSettings.isolated(DockerSettings.Mode.AUTO, dir,
                Path.of("/nonexistent/dockerd"));
        try (RunningServer server = RunningServer.start(RunningServer.config(work.resolve("data"),
                RunningServer.TOKEN, 1 << 20).withDocker(settings))) {
            Api api = server.api();
            JsonNode docker = api.get("/v1/docker").json();
            assertThat(docker.get("state").asText()).isEqualTo("absent");
            assertThat(docker.get("lastError").asText()).contains("/nonexistent/dockerd");
            JsonNode health = api.get("/v1/health").json();
            assertThat(health.get("status").asText()).isEqualTo("ok");
            assertThat(health.get("docker").asText()).isEqualTo("absent");
            api.createSession("works", "mock");
            assertThat(api.session("works").get("agent").asText()).isEqualTo("mock");
            assertThat(api.post("/v1/docker/restart", null).status()).isEqualTo(409);
        }
    }

    @Test
    void onModeWithoutDockerdRefusesToStart() {
        DockerSettings settings = DockerSettings.isolated(DockerSettings.Mode.ON, work.resolve("engine"),
                Path.of("/nonexistent/dockerd"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RunningServer.start(RunningServer.config(
                        work.resolve("data"), RunningServer.TOKEN, 1 << 20).withDocker(settings)).close())
                .hasMessageContaining("--docker on").hasMessageContaining("/nonexistent/dockerd");
    }

    @Test
    void offMeansOff() {
        try (RunningServer server = RunningServer.start(work)) {
            JsonNode docker = server.api().get("/v1/docker").json();
            assertThat(docker.get("state").asText()).isEqualTo("off");
            assertThat(List.of(docker.get("mode").asText())).containsExactly("off");
        }
    }
}
