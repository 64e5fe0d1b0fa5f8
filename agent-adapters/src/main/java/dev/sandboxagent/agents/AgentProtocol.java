package dev.sandboxagent.agents;

import java.util.List;
import java.util.Optional;

/**
 * One agent's protocol, as pure functions: from its state and one input (a line the agent wrote, or a request of
 * the session core) to the {@link ProtocolOutput}s that input stands for. No I/O, no callbacks, no clock: a test
 * feeds lines and asserts outputs, with no process. Implementations are not thread-safe; the launcher
 * ({@link TerminalAgentProcess}) calls them under one lock, and the reader thread is the only one that calls
 * {@link #onLine}.
 *
 * <p>What the protocol keeps is only what its agent's wire needs: its request ids and the data an answer must
 * echo. Whether a permission or question is pending, and which turn runs, is the session core's to know; the core
 * tells the protocol to answer, and a reply the protocol cannot make (an id its agent is not waiting on) is an
 * {@link AgentReplyException} with reason {@link AgentReplyException.Reason#UNKNOWN_REQUEST}.
 */
public interface AgentProtocol {

    /** The agent's own session id, once known (null before). */
    String nativeSessionId();

    /**
     * What to do as soon as the process runs: the handshake's first lines, or nothing for an agent that speaks
     * first. The start completes when some output is {@link ProtocolOutput.Ready} (or fails on
     * {@link ProtocolOutput.StartFailed}); it may come from here already.
     */
    List<ProtocolOutput> open();

    /** What one line of the agent's output stands for. Never throws: an unreadable line is {@code agent.unparsed}. */
    List<ProtocolOutput> onLine(String line);

    /** The lines that give the agent the user's message as turn {@code turnId}. */
    List<ProtocolOutput> startTurn(String turnId, String message);

    /**
     * Answers permission request {@code permissionId} with "once", "always" or "reject".
     *
     * @throws AgentReplyException (UNKNOWN_REQUEST) when the agent is not waiting on that id
     */
    List<ProtocolOutput> replyPermission(String permissionId, String reply);

    /** Answers question {@code questionId}: one answer list per question asked. Throws as {@link #replyPermission}. */
    List<ProtocolOutput> replyQuestion(String questionId, List<List<String>> answers);

    /** Declines to answer question {@code questionId}. Throws as {@link #replyPermission}. */
    List<ProtocolOutput> rejectQuestion(String questionId);

    /** The lines that cancel the running turn (nothing when the agent runs none). */
    List<ProtocolOutput> interrupt();

    /**
     * The modes and models the agent advertised as its session began, once it did; empty for an agent whose
     * protocol has no such answer (Claude Code, Codex, the mock: their adapters' static lists stand).
     */
    default Optional<AdvertisedOptions> advertised() {
        return Optional.empty();
    }
}
