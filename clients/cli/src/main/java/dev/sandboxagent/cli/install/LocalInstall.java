package dev.sandboxagent.cli.install;

import dev.sandboxagent.agents.AgentAdapter;
import dev.sandboxagent.agents.AgentCatalog;
import dev.sandboxagent.agents.AgentContext;
import dev.sandboxagent.agents.install.AgentInstaller;
import dev.sandboxagent.agents.install.InstallException;
import dev.sandboxagent.agents.install.NpmPackage;
import dev.sandboxagent.cli.common.CliException;
import dev.sandboxagent.cli.common.ExitCodes;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The work of {@code install-agent}: the only CLI class that touches the agent-adapters module. */
public final class LocalInstall {
    private LocalInstall() {
    }

    public static int run(String agent, String version, boolean reinstall, Path agentsDir,
                          Map<String, String> environment, PrintWriter out, PrintWriter err) {
        AgentCatalog catalog = AgentCatalog.builtIn(new AgentContext(agentsDir, environment));
        List<String> installable = new ArrayList<>();
        for (String id : catalog.ids()) {
            if (catalog.find(id).flatMap(AgentAdapter::npmPackage).isPresent()) {
                installable.add(id);
            }
        }
        List<String> targets = agent.equals("all") ? installable : List.of(agent);
        AgentInstaller installer = new AgentInstaller(agentsDir, environment);
        for (String id : targets) {
            Optional<NpmPackage> pkg = catalog.find(id).flatMap(AgentAdapter::npmPackage);
            if (pkg.isEmpty()) {
                throw new CliException(catalog.find(id).isPresent()
                        ? "'" + id + "' is built in and needs no install"
                        : "unknown agent '" + id + "'; installable: " + String.join(", ", installable) + ", all",
                        ExitCodes.USAGE);
            }
            try {
                AgentInstaller.Result result = installer.install(id, pkg.get(), version, reinstall, line -> {
                    err.println("  " + line);
                    err.flush();
                });
                out.println(id + " " + result.installation().version() + " "
                        + (result.changed() ? "installed" : "already installed") + " at "
                        + result.installation().executable());
                out.flush();
            } catch (InstallException e) {
                throw new CliException("cannot install " + id + ": " + e.getMessage(), ExitCodes.FAILED);
            }
        }
        return 0;
    }
}
