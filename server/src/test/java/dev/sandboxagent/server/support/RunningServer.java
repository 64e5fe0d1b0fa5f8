package dev.sandboxagent.server.support;

import dev.sandboxagent.server.SandboxAgentServer;
import dev.sandboxagent.server.ServerConfig;
import java.nio.file.Path;
import java.util.Map;

/** A real server in this JVM on a free loopback port, with its own data directory. */
public final class RunningServer implements AutoCloseable {
    public static final String TOKEN = "test-token-0123456789";

    private final SandboxAgentServer server;
    private final Api api;

    private RunningServer(SandboxAgentServer server, String token) {
        this.server = server;
        this.api = new Api("http://127.0.0.1:" + server.port(), token);
    }

    public static RunningServer start(Path dataDir) {
        return start(dataDir, TOKEN, 1024 * 1024);
    }

    public static RunningServer start(Path dataDir, String token, long maxBody) {
        return start(config(dataDir, token, maxBody));
    }

    public static ServerConfig config(Path dataDir, String token, long maxBody) {
        return new ServerConfig("127.0.0.1", 0, token, dataDir, maxBody, Map.of(
                "PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"),
                "HOME", System.getProperty("user.home")));
    }

    /** Every in-process test server runs with the low event-loop limit that {@link EventLoopCheck} enforces. */
    public static RunningServer start(ServerConfig config) {
        return new RunningServer(SandboxAgentServer.start(withTestLimits(config)), config.token());
    }

    public static ServerConfig withTestLimits(ServerConfig config) {
        BlockedEventLoops.watch();
        return config.withLimits(config.limits().withEventLoopWarning(BlockedEventLoops.TEST_LIMIT));
    }

    public Api api() {
        return api;
    }

    public int port() {
        return server.port();
    }

    public SseReader sse(String sessionId, Long lastEventId) {
        return SseReader.open(api.base() + "/v1/sessions/" + sessionId + "/events/sse", api.token(), lastEventId);
    }

    @Override
    public void close() {
        server.close();
    }
}
