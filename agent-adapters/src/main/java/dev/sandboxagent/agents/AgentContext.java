package dev.sandboxagent.agents;

import dev.sandboxagent.agents.install.AgentInstaller;
import dev.sandboxagent.agents.install.Installation;
import dev.sandboxagent.agents.install.NpmPackage;
import java.nio.file.Files;
import java.util.Optional;
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

    /**
     * Where an agent's CLI is: the executable {@code overrideVariable} names (a template's own build, or a test's
     * wrapper), else our managed install, else the command on PATH.
     */
    public Optional<Installation> find(String agentId, NpmPackage pkg, String overrideVariable) {
        String override = environment.get(overrideVariable);
        if (override != null && !override.isBlank()) {
            Path path = Path.of(override);
            return Files.isExecutable(path) ? Optional.of(new Installation(path, null, false)) : Optional.empty();
        }
        return installer().find(agentId, pkg);
    }

    /** Never prints the environment: it carries credentials. */
    @Override
    public String toString() {
        return "AgentContext[agentsDir=" + agentsDir + ", environment=" + environment.keySet() + "]";
    }
}
