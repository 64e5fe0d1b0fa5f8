package dev.sandboxagent.client;

/**
 * {@code GET /v1/docker}: the server's warm Docker engine.
 *
 * @param state {@code starting, ready, unhealthy, crashed, backing_off, stopping, stopped}, or {@code absent}, or
 *              {@code off}
 * @param source {@code managed} (the server runs dockerd), {@code adopted}, or null
 * @param since epoch milliseconds of the last state change
 */
public record DockerStatus(String mode, String state, String source, String socket, String dockerHost, Long pid,
                           String version, long since, int restarts, String lastError) {
}
