package dev.sandboxagent.server.sessions;

import dev.sandboxagent.agents.AgentAdapter;

/**
 * Installs an agent a create asks for when it is not there yet. Its failures are the caller's edge's business (the
 * server answers them as problems), so they pass through the session core unchanged: a create whose install fails
 * has stored nothing yet and leaves no session behind.
 */
@FunctionalInterface
public interface MissingAgents {
    /** Nothing to do: a create for a missing agent starts it and reports the start failure (tests of the core). */
    MissingAgents NONE = (agent, adapter) -> { };

    /** Returns once {@code adapter}'s agent is installed (at once when it is, or when it is built in). */
    void ensureInstalled(String agent, AgentAdapter adapter);
}
