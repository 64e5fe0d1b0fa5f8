package dev.sandboxagent.server.sessions;

import dev.sandboxagent.agents.AgentReplyException;
import dev.sandboxagent.server.sessions.SessionException.Reason;
import java.util.List;
import java.util.Map;

/** The session core's refusals, worded once. */
final class SessionErrors {
    private SessionErrors() {
    }

    static SessionException notFound(String sessionId) {
        return new SessionException(Reason.NOT_FOUND, "no session '" + sessionId + "'");
    }

    static SessionException busy(String sessionId, String turnId) {
        return new SessionException(Reason.BUSY, "session '" + sessionId + "' is running turn " + turnId
                + "; wait for turn.ended or interrupt it", Map.of("turnId", turnId));
    }

    static SessionException ended(String sessionId) {
        return new SessionException(Reason.ENDED, "session '" + sessionId + "' has ended and takes no more messages");
    }

    static SessionException exists(String sessionId) {
        return new SessionException(Reason.ALREADY_EXISTS, "a session '" + sessionId + "' already exists");
    }

    static SessionException idle(String sessionId) {
        return new SessionException(Reason.IDLE, "session '" + sessionId + "' has no running turn to interrupt");
    }

    static SessionException unknownAgent(String agent, List<String> known) {
        return new SessionException(Reason.UNKNOWN_AGENT,
                "no agent '" + agent + "'; known agents: " + String.join(", ", known), Map.of("knownAgents", known));
    }

    static SessionException notInstalled(String agent) {
        return new SessionException(Reason.AGENT_NOT_INSTALLED, "agent '" + agent + "' is not installed and the"
                + " request said not to install it; install it with POST /v1/agents/" + agent + "/install"
                + " (or sandbox-agent install-agent " + agent + "), or create without \"install\": false");
    }

    static SessionException unsupportedMode(String what, String value, List<String> allowed) {
        return new SessionException(Reason.UNSUPPORTED_MODE,
                what + " '" + value + "' is not supported; choose one of: " + String.join(", ", allowed),
                Map.of("allowed", allowed));
    }

    static SessionException noPendingPermission(String sessionId, String permissionId) {
        return new SessionException(Reason.NO_PENDING_PERMISSION,
                "session '" + sessionId + "' has no pending permission '" + permissionId + "'");
    }

    static SessionException noPendingQuestion(String sessionId, String questionId) {
        return new SessionException(Reason.NO_PENDING_QUESTION,
                "session '" + sessionId + "' has no pending question '" + questionId + "'");
    }

    /**
     * A reply the session accepted that the agent could not take: 409 when the agent is not waiting for it (any
     * more) or has exited, 502 when writing to it failed.
     */
    static SessionException replyNotDelivered(String sessionId, String what, AgentReplyException e) {
        return switch (e.reason()) {
            case UNKNOWN_REQUEST -> new SessionException(Reason.REPLY_NOT_ACCEPTED,
                    "session '" + sessionId + "': the agent is not waiting for an answer to " + what
                            + " (answered already, or its turn ended)");
            case AGENT_GONE -> new SessionException(Reason.AGENT_EXITED,
                    "session '" + sessionId + "': the agent exited before it took the answer to " + what);
            case WRITE_FAILED -> new SessionException(Reason.AGENT_WRITE_FAILED,
                    "session '" + sessionId + "': the answer to " + what + " could not be written to the agent: "
                            + e.getMessage());
        };
    }

    static SessionException notLive(String sessionId) {
        return new SessionException(Reason.NOT_RUNNING, "session '" + sessionId + "' has no running agent");
    }

    static SessionException agentStartFailed(String sessionId, String why) {
        return new SessionException(Reason.AGENT_START_FAILED, "could not resume session '" + sessionId + "': " + why);
    }

    /** The agent's files found no room: refused as every write on a full disk is, with nothing changed. */
    static SessionException diskFull(String sessionId, String why) {
        return new SessionException(Reason.DISK_FULL, "disk full: could not resume session '" + sessionId + "': "
                + why + "; nothing was changed");
    }

    /**
     * Whether {@code failure} or a cause is the system's "no space" error (ENOSPC, EDQUOT). The JDK gives no code,
     * only an IOException whose message (a FileSystemException's reason) is the C library's text for it.
     */
    static boolean noSpaceLeft(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            if (message.contains("No space left on device") || message.contains("Disk quota exceeded")) {
                return true;
            }
        }
        return false;
    }

    static SessionException stopping() {
        return new SessionException(Reason.STOPPING, "the server is shutting down");
    }
}
