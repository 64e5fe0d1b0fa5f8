package dev.sandboxagent.agents;

import dev.sandboxagent.agents.install.AgentInstaller;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * What adapters know about the server around them.
 *
 * @param agentsDir   where install-agent puts agent CLIs ({@code <data dir>/agents} unless configured)
 * @param environment the server's environment: PATH for finding agents, and the credentials agents use when a
 *                    request brings none. Held in memory only.
 */
public record AgentContext(Path agentsDir, Map<String, String> environment) {
    public AgentContext {
        Objects.requireNonNull(agentsDir, "agentsDir");
        environment = Map.copyOf(environment);
    }

    public AgentInstaller installer() {
        return new AgentInstaller(agentsDir, environment);
    }

    /** Never prints the environment: it carries credentials. */
    @Override
    public String toString() {
        return "AgentContext[agentsDir=" + agentsDir + ", environment=" + environment.keySet() + "]";
    }
}
