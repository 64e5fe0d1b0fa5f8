package dev.sandboxagent.client;

/** One of an agent's modes ({@code GET /v1/agents/{agent}/modes}). */
public record AgentMode(String id, String name, String description) {
}
