package dev.sandboxagent.agents;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A running agent for one session. One turn at a time: the caller (the session core) enforces it, and it alone
 * owns the turn id and which permissions and questions are pending; the process is told. A turn ends when the
 * adapter emits a {@code turn.ended} event carrying the turn id given to {@link #startTurn}. Methods do not block
 * for long and may be called from any thread.
 */
public interface AgentProcess {

    /** The agent's own session id, once known (null before). */
    String nativeSessionId();

    long pid();

    boolean isAlive();

    /** Sends the user's message; the adapter reports the turn's events and finally {@code turn.ended}. */
    void startTurn(String turnId, String message);

    /**
     * Answers a permission request.
     *
     * @param reply "once", "always" or "reject"
     * @return completes once the answer is written to the agent; fails with an {@link AgentReplyException} when it
     *         cannot be delivered (an id the agent is not waiting on, the process gone, the write failed)
     */
    CompletableFuture<Void> replyPermission(String permissionId, String reply);

    /** Answers a question, one answer list per question asked; completes or fails as {@link #replyPermission}. */
    CompletableFuture<Void> replyQuestion(String questionId, List<List<String>> answers);

    /** Declines to answer a question; completes or fails as {@link #replyPermission}. */
    CompletableFuture<Void> rejectQuestion(String questionId);

    /** Cancels the running turn (which then ends with {@code turn.ended}); the process stays up. */
    void interrupt();

    /**
     * The modes and models the agent advertised as this session began (known once {@code start} returned), or
     * empty when its protocol does not say.
     */
    default Optional<AdvertisedOptions> advertised() {
        return Optional.empty();
    }

    /** Stops the process: asks nicely, then kills it after {@code grace}. Returns once it has exited. */
    void terminate(Duration grace);
}
