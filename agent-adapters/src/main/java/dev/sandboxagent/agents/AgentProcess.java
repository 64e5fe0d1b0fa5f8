package dev.sandboxagent.agents;

import java.time.Duration;
import java.util.List;

/**
 * A running agent for one session. One turn at a time: the caller (the session manager) enforces it.
 * A turn ends when the adapter emits a {@code turn.ended} event carrying the turn id given to
 * {@link #startTurn}. Methods do not block for long and may be called from any thread.
 */
public interface AgentProcess {

    /** The agent's own session id, once known (null before). */
    String nativeSessionId();

    long pid();

    boolean isAlive();

    /** Sends the user's message; the adapter reports the turn's events and finally {@code turn.ended}. */
    void startTurn(String turnId, String message);

    /** @param reply "once", "always" or "reject" */
    void replyPermission(String permissionId, String reply);

    void replyQuestion(String questionId, List<List<String>> answers);

    void rejectQuestion(String questionId);

    /** Cancels the running turn (which then ends with {@code turn.ended}); the process stays up. */
    void interrupt();

    /** Stops the process: asks nicely, then kills it after {@code grace}. Returns once it has exited. */
    void terminate(Duration grace);
}
