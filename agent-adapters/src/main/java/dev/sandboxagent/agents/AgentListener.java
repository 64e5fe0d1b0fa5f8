package dev.sandboxagent.agents;

/**
 * Receives what an agent process does, in order, from the adapter's reader thread. Implementations may block
 * briefly (for backpressure); the agent's output is buffered meanwhile.
 */
public interface AgentListener {

    void onEvent(AgentEvent event);

    /** Called exactly once, after the last {@link #onEvent}, when the process has exited. */
    void onExit(AgentExit exit);
}
