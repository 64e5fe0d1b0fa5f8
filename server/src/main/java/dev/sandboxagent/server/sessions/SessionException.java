package dev.sandboxagent.server.sessions;

import java.util.Map;

/**
 * Why the session core refused a call, in its own terms: the core knows sessions, turns and agents, not HTTP.
 * The routes turn each reason into its problem+json answer ({@link SessionProblems}).
 */
final class SessionException extends RuntimeException {
    enum Reason {
        NOT_FOUND, ALREADY_EXISTS, UNKNOWN_AGENT, AGENT_NOT_INSTALLED, UNSUPPORTED_MODE, BUSY, ENDED, IDLE, NOT_RUNNING,
        NO_PENDING_PERMISSION, NO_PENDING_QUESTION, AGENT_START_FAILED, STOPPING,
        /** the agent's files found no room on the disk (the store's own refusals are StoreExceptions) */
        DISK_FULL,
        /** the agent is not waiting for that answer (any more) */
        REPLY_NOT_ACCEPTED,
        /** the agent exited before it took the answer */
        AGENT_EXITED,
        /** writing the answer to the agent failed */
        AGENT_WRITE_FAILED
    }

    private final Reason reason;
    private final Map<String, Object> facts;

    /** @param facts what a client may act on (the running turn's id, the allowed modes), by their wire names */
    SessionException(Reason reason, String message, Map<String, Object> facts) {
        super(message, null, false, false);
        this.reason = reason;
        this.facts = Map.copyOf(facts);
    }

    SessionException(Reason reason, String message) {
        this(reason, message, Map.of());
    }

    Reason reason() {
        return reason;
    }

    Map<String, Object> facts() {
        return facts;
    }
}
