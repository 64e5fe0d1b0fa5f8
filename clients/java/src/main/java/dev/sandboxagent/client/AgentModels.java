package dev.sandboxagent.client;

import java.util.List;

/**
 * The models an agent offers ({@code GET /v1/agents/{agent}/models}); {@code defaultModel} may be null.
 * {@code source} says who answered: {@code "agent"} (what the agent itself advertised as its latest session
 * started) or {@code "static"} (the server's own list; null from a server that does not say).
 */
public record AgentModels(List<Model> models, String defaultModel, String source) {

    public AgentModels {
        models = models == null ? List.of() : List.copyOf(models);
    }

    /** A model; {@code name} is the agent's name for it, when it gives one. */
    public record Model(String id, String name) {
    }
}
