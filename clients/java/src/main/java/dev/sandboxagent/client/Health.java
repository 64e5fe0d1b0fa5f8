package dev.sandboxagent.client;

/** {@code GET /v1/health}: the server is up; {@code uptimeMs} since it started. */
public record Health(String status, String version, long uptimeMs) {
}
