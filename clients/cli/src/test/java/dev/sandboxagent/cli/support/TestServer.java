package dev.sandboxagent.cli.support;

import dev.sandboxagent.server.SandboxAgentServer;
import dev.sandboxagent.server.ServerConfig;
import java.nio.file.Path;
import java.util.Map;

/** A real server in this JVM on a free loopback port with its own data directory, for in-process CLI tests. */
public final class TestServer implements AutoCloseable {
    public static final String TOKEN = "cli-test-token-0123456789";

    private final SandboxAgentServer server;

    private TestServer(SandboxAgentServer server) {
        this.server = server;
    }

    public static TestServer start(Path dataDir) {
        return start(dataDir, Map.of());
    }

    /** @param environment added to the server's agent environment (e.g. SANDBOX_AGENT_AGENTS_DIR) */
    public static TestServer start(Path dataDir, Map<String, String> environment) {
        Map<String, String> env = new java.util.HashMap<>(Map.of(
                "PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"),
                "HOME", System.getProperty("user.home")));
        env.putAll(environment);
        return new TestServer(SandboxAgentServer.start(new ServerConfig("127.0.0.1", 0, TOKEN, dataDir, 1024 * 1024,
                env)));
    }

    public String url() {
        return "http://127.0.0.1:" + server.port();
    }

    /** A CLI pointed at this server with its token. */
    public Cli cli(Path home) {
        return Cli.withHome(home).apiArgs("--url", url(), "--token", TOKEN);
    }

    @Override
    public void close() {
        server.close();
    }
}
