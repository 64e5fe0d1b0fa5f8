package dev.sandboxagent.agents;

import dev.sandboxagent.agents.AgentDescriptor.AgentMode;
import java.util.List;
import java.util.Objects;

/**
 * The modes and models an agent itself said it offers, as it started a session (ACP's {@code session/new} and
 * {@code session/load} answers). It is the agent's word for its installed version and configuration, so it is more
 * accurate than the adapter's static lists ({@link AgentDescriptor}), but it is known only once the agent ran.
 *
 * @param modes        the agent's modes, in its order (empty when it advertised none)
 * @param currentMode  the mode the session began in, or null
 * @param models       the agent's models, in its order (empty when it advertised none)
 * @param currentModel the model the session runs, or null
 */
public record AdvertisedOptions(List<AgentMode> modes, String currentMode, List<Model> models, String currentModel) {
    public AdvertisedOptions {
        modes = List.copyOf(modes);
        models = List.copyOf(models);
    }

    /** A model as the agent names it: {@code id} is what a session's {@code model} takes; {@code name} may be null. */
    public record Model(String id, String name) {
        public Model {
            Objects.requireNonNull(id, "id");
        }
    }

    public List<String> modeIds() {
        return modes.stream().map(AgentMode::id).toList();
    }

    /**
     * The models a session can name: the advertised ones, and the current one when the list lacks it (gemini runs
     * the model given with {@code -m} without listing it among its choices).
     */
    public List<Model> modelsWithCurrent() {
        if (currentModel == null || models.stream().anyMatch(m -> m.id().equals(currentModel))) {
            return models;
        }
        List<Model> all = new java.util.ArrayList<>(models);
        all.add(0, new Model(currentModel, null));
        return List.copyOf(all);
    }
}
