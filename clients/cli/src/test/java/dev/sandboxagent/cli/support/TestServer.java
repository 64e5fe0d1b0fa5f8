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
        return new TestServer(SandboxAgentServer.start(new ServerConfig("127.0.0.1", 0, TOKEN, dataDir, 1024 * 1024,
                Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"),
                        "HOME", System.getProperty("user.home")))));
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
