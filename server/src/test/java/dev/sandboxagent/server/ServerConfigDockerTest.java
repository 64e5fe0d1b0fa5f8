package dev.sandboxagent.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandboxagent.server.docker.DockerSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the engine's settings are resolved: the flag over SANDBOX_AGENT_DOCKER* variables over defaults. */
class ServerConfigDockerTest {
    @TempDir
    Path dataDir;

    private ServerConfig resolve(String flag, Map<String, String> env) throws Exception {
        return ServerConfig.resolve(null, null, "t0ken-for-tests", false, dataDir, flag, null, env);
    }

    @Test
    void defaultsToAutoOnTheSystemSocket() throws Exception {
        DockerSettings docker = resolve(null, Map.of()).docker();
        assertThat(docker.mode()).isEqualTo(DockerSettings.Mode.AUTO);
        assertThat(docker.socket()).isEqualTo(DockerSettings.DEFAULT_SOCKET);
    }

    @Test
    void theFlagWinsOverTheEnvironmentWhichSetsSocketDockerdDataRootAndFlags() throws Exception {
        DockerSettings docker = resolve("off", Map.of("SANDBOX_AGENT_DOCKER", "on",
                "SANDBOX_AGENT_DOCKER_SOCKET", "/run/x/docker.sock", "SANDBOX_AGENT_DOCKERD", "/opt/bin/dockerd",
                "SANDBOX_AGENT_DOCKER_DATA_ROOT", "/scratch/docker",
                "SANDBOX_AGENT_DOCKER_FLAGS", "  --storage-driver=vfs   --bip=10.99.0.1/24 ")).docker();
        assertThat(docker.mode()).isEqualTo(DockerSettings.Mode.OFF);
        assertThat(docker.socket()).isEqualTo(Path.of("/run/x/docker.sock"));
        assertThat(docker.dockerd()).isEqualTo(Path.of("/opt/bin/dockerd"));
        assertThat(docker.dataRoot()).isEqualTo(Path.of("/scratch/docker"));
        assertThat(docker.extraFlags()).isEqualTo(List.of("--storage-driver=vfs", "--bip=10.99.0.1/24"));
        assertThat(resolve(null, Map.of("SANDBOX_AGENT_DOCKER", "ON")).docker().mode())
                .isEqualTo(DockerSettings.Mode.ON);
    }

    @Test
    void anUnknownModeIsRefusedNamingWhereItCameFrom() {
        assertThatThrownBy(() -> resolve("sometimes", Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--docker");
        assertThatThrownBy(() -> resolve(null, Map.of("SANDBOX_AGENT_DOCKER", "maybe")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SANDBOX_AGENT_DOCKER");
    }
}
