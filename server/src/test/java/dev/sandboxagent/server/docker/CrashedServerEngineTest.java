package dev.sandboxagent.server.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.agents.testing.Eventually;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.DockerSupport;
import dev.sandboxagent.server.support.ServerProcess;
import dev.sandboxagent.server.warm.ProcessGroup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server killed with -9 leaves the dockerd it started running under PID 1. The next server on the same data dir
 * must recognise that engine as its own (not adopt it as someone else's): it ends up with an engine it supervises,
 * and no dockerd of this data dir is left running once it stops.
 */
class CrashedServerEngineTest {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path work;

    @Test
    void theEngineOfAKilledServerIsManagedAgainByTheNextOne() throws Exception {
        Path dockerd = DockerSupport.requireDockerd();
        Path engineDir = DockerSupport.engineDir();
        Path data = work.resolve("data");
        List<String> auto = List.of("docker-dir=" + engineDir, "dockerd=" + dockerd, "docker-mode=auto");
        List<Long> dockerds = new ArrayList<>();
        try {
            long orphan;
            try (ServerProcess first = ServerProcess.start(data, work.resolve("first.log"), auto)) {
                JsonNode ready = awaitDocker(first.api(), s -> s.path("state").asText().equals("ready"));
                assertThat(ready.path("source").asText()).isEqualTo("managed");
                orphan = ready.path("pid").asLong();
                dockerds.add(orphan);
                first.kill9();
            }
            assertThat(ProcessGroup.isRunning(orphan)).as("dockerd outlives the killed server").isTrue();

            try (ServerProcess second = ServerProcess.start(data, work.resolve("second.log"), auto)) {
                Api api = second.api();
                JsonNode ready = awaitDocker(api, s -> s.path("state").asText().equals("ready"));
                assertThat(ready.path("source").asText()).as(ready.toString()).isEqualTo("managed");
                long managed = ready.path("pid").asLong();
                dockerds.add(managed);
                assertThat(managed).isNotEqualTo(orphan);
                assertThat(ProcessGroup.isRunning(orphan)).as("the orphan was stopped").isFalse();
                assertThat(Files.readString(work.resolve("second.log"))).contains("dockerd pid " + orphan);

                Api.Answer restart = api.post("/v1/docker/restart", null);
                assertThat(restart.status()).as(restart.toString()).isEqualTo(202);
                JsonNode restarted = awaitDocker(api, s -> s.path("state").asText().equals("ready")
                        && s.path("pid").asLong() != managed);
                long afterRestart = restarted.path("pid").asLong();
                dockerds.add(afterRestart);
                assertThat(ProcessGroup.isRunning(managed)).isFalse();

                ProcessHandle.of(afterRestart).orElseThrow().destroyForcibly(); // kill -9 of dockerd
                JsonNode back = awaitDocker(api, s -> s.path("state").asText().equals("ready")
                        && s.path("pid").asLong() != afterRestart);
                dockerds.add(back.path("pid").asLong());
                assertThat(back.path("lastError").asText()).isEqualTo("killed by signal 9");
                assertThat(api.get("/v1/docker/logs").status()).isEqualTo(200);

                assertThat(second.terminate()).isIn(0, 143);
            }
            assertThat(dockerds).as("no dockerd this test saw is left").noneMatch(ProcessGroup::isRunning);
            assertThat(dockerdsOf(engineDir)).as("no dockerd of this engine dir runs").isEmpty();
        } finally {
            // Whatever the outcome, leave no engine behind: stop this test's dockerds by PID.
            for (long pid : dockerdsOf(engineDir)) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            DockerSupport.deleteQuietly(engineDir);
        }
    }

    private static JsonNode awaitDocker(Api api, Predicate<JsonNode> condition) throws InterruptedException {
        return Eventually.await("the expected /v1/docker", WAIT, () -> api.get("/v1/docker").json(), condition);
    }

    private static boolean isEngine(String commandLine) {
        String program = Path.of(commandLine.split(" ")[0]).getFileName().toString();
        return program.equals("dockerd") || program.equals("containerd");
    }

    /** PIDs of running dockerd (and containerd) processes whose command line names this engine's directory. */
    private static List<Long> dockerdsOf(Path engineDir) throws IOException {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.map(p -> p.getFileName().toString())
                    .filter(n -> n.chars().allMatch(Character::isDigit))
                    .map(Long::parseLong)
                    .filter(pid -> ProcessGroup.isRunning(pid) && isEngine(DockerSupport.commandOf(pid))
                            && DockerSupport.commandOf(pid).contains(engineDir.toString()))
                    .toList();
        }
    }
}
