package dev.sandboxagent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandboxagent.cli.support.TestServer;
import dev.sandboxagent.client.CreateSessionRequest;
import dev.sandboxagent.client.SandboxAgentClient;
import dev.sandboxagent.client.SandboxAgentException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java client's {@code install(false)} against a real server (this module's tests are the ones with both on the
 * classpath): a create for an agent that is not installed is refused at once, without an npm install, and leaves no
 * session behind.
 */
class JavaClientInstallFalseTest {
    @TempDir
    Path dataDir;

    @Test
    void installFalseRefusesAMissingAgentWith409AndStoresNothing() {
        // No agent CLI on this PATH and none under the data dir's agents: claude is missing.
        try (TestServer server = TestServer.start(dataDir, Map.of("PATH", "/usr/bin:/bin"))) {
            SandboxAgentClient client = SandboxAgentClient.builder().baseUrl(URI.create(server.url()))
                    .token(TestServer.TOKEN).build();
            assertThat(client.listAgents()).anySatisfy(a -> {
                assertThat(a.id()).isEqualTo("claude");
                assertThat(a.installed()).isFalse();
            });

            assertThatThrownBy(() -> client.createSession("nc",
                    CreateSessionRequest.builder("claude").install(false).build()))
                    .isInstanceOfSatisfying(SandboxAgentException.class, e -> {
                        assertThat(e.status()).isEqualTo(409);
                        assertThat(e.kind()).isEqualTo("agent_not_installed");
                        assertThat(e.getMessage()).contains("install-agent claude");
                    });

            assertThat(client.listSessions()).isEmpty();
            assertThat(client.listAgents()).filteredOn(a -> a.id().equals("claude"))
                    .allSatisfy(a -> assertThat(a.installed()).as("nothing was installed").isFalse());
            // the id is still free
            assertThat(client.createSession("nc", CreateSessionRequest.of("mock")).healthy()).isTrue();
        }
    }
}
