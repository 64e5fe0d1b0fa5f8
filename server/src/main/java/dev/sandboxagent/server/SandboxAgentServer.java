package dev.sandboxagent.server;

/**
 * The running server: store, agents and HTTP. Start with {@link #start}, stop with {@link #close} (also what the
 * SIGTERM hook of {@code sandbox-agent server} calls).
 */
public interface SandboxAgentServer extends AutoCloseable {

    /** Starts everything and returns once the HTTP port is listening. */
    static SandboxAgentServer start(ServerConfig config) {
        return dev.sandboxagent.server.internal.ServerRuntime.start(config);
    }

    /** The port actually bound (useful with port 0). */
    int port();

    ServerConfig config();

    /** Stops sessions (their agents), flushes the store, closes HTTP. Idempotent. */
    @Override
    void close();
}
