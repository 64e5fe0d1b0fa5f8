package dev.sandboxagent.agents;

import java.util.List;

/**
 * What GET /v1/agents says about an agent.
 *
 * @param capabilities names of the anchor's AgentCapabilities flags that are true for this agent
 *                     (for example "textMessages", "streamingDeltas", "permissions")
 */
public record AgentDescriptor(String id, String name, boolean installed, String version, String path,
                              boolean credentialsAvailable, List<String> capabilities, List<AgentMode> modes,
                              List<String> permissionModes, String defaultModel, List<String> models) {
    public record AgentMode(String id, String name, String description) {
    }
}
