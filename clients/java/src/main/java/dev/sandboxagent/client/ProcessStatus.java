package dev.sandboxagent.client;

/** One warm process the server supervises ({@code GET /v1/processes}). */
public record ProcessStatus(String name, String state, Long pid, long since, int restarts, String lastError) {
}
