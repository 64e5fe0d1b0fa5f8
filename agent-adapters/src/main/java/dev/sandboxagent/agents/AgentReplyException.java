package dev.sandboxagent.agents;

/**
 * A reply (to a permission or a question) that did not reach the agent. The session core turns it into an error
 * the client sees: a reply is never dropped in silence.
 */
public final class AgentReplyException extends RuntimeException {

    /** Why the reply did not reach the agent. */
    public enum Reason {
        /** The agent is not waiting for an answer with this id (answered already, or its turn is over). */
        UNKNOWN_REQUEST,
        /** The agent's process has exited. */
        AGENT_GONE,
        /** Writing to the agent failed. */
        WRITE_FAILED
    }

    private final Reason reason;

    public AgentReplyException(Reason reason, String message) {
        this(reason, message, null);
    }

    public AgentReplyException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
