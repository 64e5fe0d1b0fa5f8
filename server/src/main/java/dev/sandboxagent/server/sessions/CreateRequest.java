package dev.sandboxagent.server.sessions;

/**
 * A create as the client sent it: nullable fields are filled with the agent's defaults by the manager.
 * {@code install}: whether a missing agent is installed first (the default) or refused.
 */
record CreateRequest(String sessionId, String agent, String agentMode, String permissionMode, String model,
                            String variant, String directory, String title, boolean install) {
}
