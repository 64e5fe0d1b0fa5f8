package dev.sandboxagent.client;

import java.util.List;

/**
 * An agent's modes ({@code GET /v1/agents/{agent}/modes}) and who answered: {@code "agent"} (what the agent itself
 * advertised as its latest session started) or {@code "static"} (the server's own list; null from a server that
 * does not say).
 */
public record AgentModes(List<AgentMode> modes, String source) {

    public AgentModes {
        modes = modes == null ? List.of() : List.copyOf(modes);
    }
}
