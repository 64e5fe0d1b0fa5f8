package dev.sandboxagent.store;

import java.util.Objects;

/** What a client asked for when it created a session; never changes afterwards. Nullable fields are optional. */
public record SessionSpec(String sessionId, String agent, String agentMode, String permissionMode, String model,
                          String variant, String directory, String title) {
    public SessionSpec {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(agent, "agent");
        Objects.requireNonNull(agentMode, "agentMode");
        Objects.requireNonNull(permissionMode, "permissionMode");
    }
}
