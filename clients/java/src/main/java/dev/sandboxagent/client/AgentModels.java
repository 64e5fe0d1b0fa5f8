package dev.sandboxagent.client;

import java.util.List;

/** The models an agent offers ({@code GET /v1/agents/{agent}/models}); {@code defaultModel} may be null. */
public record AgentModels(List<Model> models, String defaultModel) {

    public AgentModels {
        models = models == null ? List.of() : List.copyOf(models);
    }

    public record Model(String id) {
    }
}
