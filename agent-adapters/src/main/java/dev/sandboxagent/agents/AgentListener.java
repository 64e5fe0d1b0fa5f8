package dev.sandboxagent.agents;

/**
 * Receives what an agent process does, in order, from the adapter's reader thread. Implementations may block
 * briefly (for backpressure); the agent's output is buffered meanwhile.
 */
public interface AgentListener {

    void onEvent(AgentEvent event);

    /**
     * Several events that arrived together (the lines of one read of the agent's output), in order. A listener that
     * stores events can take them as one write; by default each goes to {@link #onEvent}.
     */
    default void onEvents(java.util.List<AgentEvent> events) {
        for (AgentEvent event : events) {
            onEvent(event);
        }
    }

    /** Called exactly once, after the last {@link #onEvent}, when the process has exited. */
    void onExit(AgentExit exit);
}
