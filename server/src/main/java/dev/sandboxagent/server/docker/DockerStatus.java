package dev.sandboxagent.server.docker;

/**
 * The engine as {@code GET /v1/docker} shows it.
 *
 * @param state a warm-process state ({@code starting, ready, unhealthy, crashed, backing_off, stopping, stopped}),
 *              or {@code absent} (auto mode, no engine and no dockerd), or {@code off}
 * @param source {@code managed} (this server runs dockerd), {@code adopted} (an engine was already there), or null
 * @param dockerHost what agents get as DOCKER_HOST while the engine is ready, else null
 * @param since epoch milliseconds of the last state change
 */
public record DockerStatus(String mode, String state, String source, String socket, String dockerHost, Long pid,
                           String version, long since, int restarts, String lastError) {
}
