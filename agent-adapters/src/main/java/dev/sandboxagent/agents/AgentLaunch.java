package dev.sandboxagent.agents;

import java.nio.file.Path;
import java.util.Map;

/**
 * How to start an agent for one session.
 *
 * @param workingDirectory the directory the agent works in (exists)
 * @param stateDir         a private directory for the adapter (config homes, scratch files); kept across
 *                         restarts, never holds secrets
 * @param resumeNativeSessionId the agent's own session id to continue, or null for a new conversation
 * @param environment      extra environment for the agent process, credentials included; held in memory only
 */
public record AgentLaunch(String sessionId, Path workingDirectory, Path stateDir, String agentMode,
                          String permissionMode, String model, String resumeNativeSessionId,
                          Map<String, String> environment) {
    public AgentLaunch {
        environment = Map.copyOf(environment);
    }

    /** Never prints the environment: it carries credentials. */
    @Override
    public String toString() {
        return "AgentLaunch[sessionId=" + sessionId + ", workingDirectory=" + workingDirectory + ", agentMode="
                + agentMode + ", permissionMode=" + permissionMode + ", model=" + model + ", resume="
                + resumeNativeSessionId + ", environment=" + environment.keySet() + "]";
    }
}
