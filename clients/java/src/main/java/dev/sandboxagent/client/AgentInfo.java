package dev.sandboxagent.client;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An agent the server can run (the anchor's AgentInfo).
 *
 * @param capabilities every capability flag the server knows, true or false (planMode, permissions, questions, ...),
 *                     in the server's order (not Map.copyOf's, which differs from one JVM to the next: the CLI's
 *                     {@code --json} output would too)
 */
public record AgentInfo(String id, String name, boolean installed, String version, String path,
                        boolean credentialsAvailable, Map<String, Boolean> capabilities) {

    public AgentInfo {
        capabilities = capabilities == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(capabilities));
    }
}
