package dev.sandboxagent.client;

import java.util.Map;

/**
 * An agent the server can run (the anchor's AgentInfo).
 *
 * @param capabilities every capability flag the server knows, true or false (planMode, permissions, questions, ...)
 */
public record AgentInfo(String id, String name, boolean installed, String version, String path,
                        boolean credentialsAvailable, Map<String, Boolean> capabilities) {

    public AgentInfo {
        capabilities = capabilities == null ? Map.of() : Map.copyOf(capabilities);
    }
}
