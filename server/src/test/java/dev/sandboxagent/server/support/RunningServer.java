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

    public static RunningServer start(ServerConfig config) {
        return new RunningServer(SandboxAgentServer.start(config), config.token());
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
