package dev.sandboxagent.agents;

/** An agent could not be started; the message says why in words a user can act on. */
public class AgentStartException extends Exception {
    public AgentStartException(String message) {
        super(message);
    }

    public AgentStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
