package dev.sandboxagent.agents.testing;

import dev.sandboxagent.agents.install.AgentInstaller;
import dev.sandboxagent.agents.install.InstallException;
import dev.sandboxagent.agents.install.Installation;
import dev.sandboxagent.agents.install.NpmPackage;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The real agent CLIs for tests, installed from npm by our own installer into a cache directory shared by all
 * test runs ({@code ~/.cache/sandbox-agent-test/agents}, or {@code SANDBOX_AGENT_TEST_AGENTS_DIR}), once.
 * Where npm cannot be reached the tests that need an agent are skipped, saying so, except in CI (CI=true),
 * where they fail: there they must run.
 */
public final class RealAgents {
    private RealAgents() {
    }

    public static Path agentsDir() {
        String configured = System.getenv("SANDBOX_AGENT_TEST_AGENTS_DIR");
        return configured != null && !configured.isBlank() ? Path.of(configured)
                : Path.of(System.getProperty("user.home"), ".cache", "sandbox-agent-test", "agents");
    }

    /** Installs the agent's pinned default version if it is not there yet, and returns it. */
    public static Installation require(String agentId, NpmPackage pkg) {
        // The whole environment, as a server has it: npm may need a proxy or an extra CA (NODE_EXTRA_CA_CERTS).
        AgentInstaller installer = new AgentInstaller(agentsDir(), System.getenv());
        try {
            return installer.install(agentId, pkg, null, false, line -> { }).installation();
        } catch (InstallException e) {
            String why = "the real " + agentId + " CLI (" + pkg.name() + "@" + pkg.defaultVersion()
                    + ") could not be installed from npm: " + e.getMessage();
            if ("true".equals(System.getenv("CI"))) {
                return Assertions.fail(why, e);
            }
            Assumptions.abort(why);
            throw new AssertionError(why);
        }
    }
}
