package dev.sandboxagent.server.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.DockerSupport;
import dev.sandboxagent.server.support.ServerProcess;
import dev.sandboxagent.server.warm.ProcessGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGTERM to the server stops the dockerd it started, and containerd with it: nothing is left running. */
class ShutdownTest {
    @TempDir
    Path work;

    @Test
    void sigtermStopsDockerdAndContainerd() throws Exception {
        Path dockerd = DockerSupport.requireDockerd();
        Path engineDir = DockerSupport.engineDir();
        try (ServerProcess server = ServerProcess.start(work.resolve("data"), work.resolve("server.log"),
                List.of("docker-dir=" + engineDir, "dockerd=" + dockerd))) {
            Api api = server.api();
            assertThat(api.get("/v1/docker").json().get("state").asText()).isEqualTo("ready");
            long dockerdPid = api.get("/v1/docker").json().get("pid").asLong();
            long containerdPid = Long.parseLong(Files.readString(engineDir.resolve("exec/containerd/containerd.pid"))
                    .strip());
            assertThat(DockerSupport.commandOf(dockerdPid)).contains("dockerd", engineDir.toString());
            assertThat(DockerSupport.commandOf(containerdPid)).contains("containerd");

            assertThat(server.terminate()).isIn(0, 143);

            assertThat(ProcessGroup.isRunning(dockerdPid)).as("dockerd").isFalse();
            assertThat(ProcessGroup.isRunning(containerdPid)).as("containerd").isFalse();
            assertThat(DockerSupport.groupMembers(dockerdPid)).as("dockerd's process group").isEmpty();
            assertThat(Files.readString(work.resolve("data/logs/dockerd.log"))).contains("stopped");
        } finally {
            DockerSupport.deleteQuietly(engineDir);
        }
    }
}
