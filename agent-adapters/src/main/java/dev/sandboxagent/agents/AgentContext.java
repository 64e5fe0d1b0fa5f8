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
 * @param executables the executable the operator chose for an agent, by agent id (a template's own build, or a
 *                    test's wrapper): the server's configuration resolves and checks them (SANDBOX_AGENT_CLAUDE_PATH
 *                    and the like, {@link AgentCatalog#executableVariables()}); this class reads no variable
 */
public record AgentContext(Path agentsDir, Map<String, String> environment, Map<String, Path> executables) {
    public AgentContext {
        Objects.requireNonNull(agentsDir, "agentsDir");
        environment = Map.copyOf(environment);
        executables = Map.copyOf(executables);
    }

    /** No executable chosen by the operator: every agent is our managed install or on PATH. */
    public AgentContext(Path agentsDir, Map<String, String> environment) {
        this(agentsDir, environment, Map.of());
    }

    public AgentInstaller installer() {
        return new AgentInstaller(agentsDir, environment);
    }

    /**
     * Where an agent's CLI is: the executable chosen for it ({@link #executables}), else our managed install, else
     * the command on PATH. A chosen executable that is gone (deleted after the server started) is not installed.
     */
    public Optional<Installation> find(String agentId, NpmPackage pkg) {
        Path chosen = executables.get(agentId);
        if (chosen != null) {
            return Files.isExecutable(chosen) ? Optional.of(new Installation(chosen, null, false)) : Optional.empty();
        }
        return installer().find(agentId, pkg);
    }

    /** Never prints the environment: it carries credentials. */
    @Override
    public String toString() {
        return "AgentContext[agentsDir=" + agentsDir + ", environment=" + environment.keySet() + ", executables="
                + executables + "]";
    }
}
