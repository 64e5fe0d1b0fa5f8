package dev.sandboxagent.server.sessions;

import dev.sandboxagent.server.http.ApiException;
import java.util.concurrent.Callable;

/** The HTTP edge of the session core: each {@link SessionException.Reason} as its problem+json answer. */
final class SessionProblems {
    private SessionProblems() {
    }

    static ApiException of(SessionException e) {
        ApiException problem = switch (e.reason()) {
            case NOT_FOUND -> ApiException.of(404, "session_not_found", "Session not found", e.getMessage());
            case ALREADY_EXISTS -> ApiException.of(409, "session_already_exists", "Session exists", e.getMessage());
            case UNKNOWN_AGENT -> ApiException.of(400, "unsupported_agent", "Unknown agent", e.getMessage());
            case AGENT_NOT_INSTALLED -> ApiException.of(409, "agent_not_installed", "Agent not installed",
                    e.getMessage());
            case UNSUPPORTED_MODE -> ApiException.of(400, "mode_not_supported", "Mode not supported", e.getMessage());
            case BUSY -> ApiException.of(409, "session_busy", "A turn is running", e.getMessage());
            case ENDED -> ApiException.of(409, "session_ended", "Session ended", e.getMessage());
            case IDLE -> ApiException.of(409, "session_idle", "No turn is running", e.getMessage());
            case NOT_RUNNING -> ApiException.of(409, "session_not_running", "Session not running", e.getMessage());
            case NO_PENDING_PERMISSION -> ApiException.of(404, "permission_not_found", "Permission not found",
                    e.getMessage());
            case NO_PENDING_QUESTION -> ApiException.of(404, "question_not_found", "Question not found",
                    e.getMessage());
            case AGENT_START_FAILED -> ApiException.of(502, "agent_start_failed", "Agent did not start",
                    e.getMessage());
            // The store's own answer on a full disk (Problems.from), so that a client tells one condition by one type.
            case DISK_FULL -> ApiException.of(503, "store_unavailable", "Store unavailable", e.getMessage());
            case STOPPING -> ApiException.of(503, "server_stopping", "Server stopping", e.getMessage());
            case REPLY_NOT_ACCEPTED -> ApiException.of(409, "reply_not_accepted", "Agent not waiting for this answer",
                    e.getMessage());
            case AGENT_EXITED -> ApiException.of(409, "agent_exited", "Agent exited", e.getMessage());
            case AGENT_WRITE_FAILED -> ApiException.of(502, "agent_write_failed", "Answer not delivered",
                    e.getMessage());
        };
        for (var fact : e.facts().entrySet()) {
            problem = problem.with(fact.getKey(), fact.getValue());
        }
        return problem;
    }

    /** {@code work}, with a refusal of the core turned into its problem. */
    static <T> Callable<T> answering(Callable<T> work) {
        return () -> {
            try {
                return work.call();
            } catch (SessionException e) {
                throw of(e);
            }
        };
    }

    /** {@code work}, with a refusal of the core turned into its problem. */
    static Runnable answering(Runnable work) {
        return () -> {
            try {
                work.run();
            } catch (SessionException e) {
                throw of(e);
            }
        };
    }
}
