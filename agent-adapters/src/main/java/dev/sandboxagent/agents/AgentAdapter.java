package dev.sandboxagent.agents;

import dev.sandboxagent.agents.install.NpmPackage;
import java.util.Optional;

/**
 * One kind of coding agent (mock, claude, codex, ...). An adapter knows how to launch its agent under a PTY, how
 * to turn the agent's output into {@link AgentEvent}s and how to turn API calls into the agent's input.
 * Implementations are stateless and thread-safe; all per-session state lives in the {@link AgentProcess}.
 */
public interface AgentAdapter {

    AgentDescriptor descriptor();

    /**
     * Starts the agent for one session. Returns once the agent is ready for its first message. Events and the
     * exit are reported to {@code listener} from the adapter's own reader thread, in order.
     *
     * @throws AgentStartException if the agent cannot be started (not installed, bad mode, crashed at once)
     */
    AgentProcess start(AgentLaunch launch, AgentListener listener) throws AgentStartException;

    /** Where install-agent gets this agent's CLI; empty for agents that need no install (the mock). */
    default Optional<NpmPackage> npmPackage() {
        return Optional.empty();
    }
}
