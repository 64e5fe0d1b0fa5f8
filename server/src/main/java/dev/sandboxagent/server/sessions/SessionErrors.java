package dev.sandboxagent.server.sessions;

import dev.sandboxagent.agents.AgentReplyException;
import dev.sandboxagent.server.http.ApiException;
import java.util.List;

/** The session problems a client can get, worded once. */
final class SessionErrors {
    private SessionErrors() {
    }

    static ApiException busy(String sessionId, String turnId) {
        return ApiException.of(409, "session_busy", "A turn is running",
                        "session '" + sessionId + "' is running turn " + turnId
                                + "; wait for turn.ended or interrupt it")
                .with("turnId", turnId);
    }

    static ApiException ended(String sessionId) {
        return ApiException.of(409, "session_ended", "Session ended",
                "session '" + sessionId + "' has ended and takes no more messages");
    }

    static ApiException exists(String sessionId) {
        return ApiException.of(409, "session_already_exists", "Session exists",
                "a session '" + sessionId + "' already exists");
    }

    static ApiException idle(String sessionId) {
        return ApiException.of(409, "session_idle", "No turn is running",
                "session '" + sessionId + "' has no running turn to interrupt");
    }

    static ApiException unsupportedMode(String what, String value, List<String> allowed) {
        return ApiException.of(400, "mode_not_supported", "Mode not supported",
                        what + " '" + value + "' is not supported; choose one of: " + String.join(", ", allowed))
                .with("allowed", allowed);
    }

    static ApiException noPendingPermission(String sessionId, String permissionId) {
        return ApiException.of(404, "permission_not_found", "Permission not found",
                "session '" + sessionId + "' has no pending permission '" + permissionId + "'");
    }

    static ApiException noPendingQuestion(String sessionId, String questionId) {
        return ApiException.of(404, "question_not_found", "Question not found",
                "session '" + sessionId + "' has no pending question '" + questionId + "'");
    }

    /**
     * A reply the session accepted that the agent could not take: 409 when the agent is not waiting for it (any
     * more) or has exited, 502 when writing to it failed.
     */
    static ApiException replyNotDelivered(String sessionId, String what, AgentReplyException e) {
        return switch (e.reason()) {
            case UNKNOWN_REQUEST -> ApiException.of(409, "reply_not_accepted", "Agent not waiting for this answer",
                    "session '" + sessionId + "': the agent is not waiting for an answer to " + what
                            + " (answered already, or its turn ended)");
            case AGENT_GONE -> ApiException.of(409, "agent_exited", "Agent exited",
                    "session '" + sessionId + "': the agent exited before it took the answer to " + what);
            case WRITE_FAILED -> ApiException.of(502, "agent_write_failed", "Answer not delivered",
                    "session '" + sessionId + "': the answer to " + what + " could not be written to the agent: "
                            + e.getMessage());
        };
    }

    static ApiException notLive(String sessionId) {
        return ApiException.of(409, "session_not_running", "Session not running",
                "session '" + sessionId + "' has no running agent");
    }
}
