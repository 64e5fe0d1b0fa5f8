package dev.sandboxagent.cli;

import dev.sandboxagent.cli.common.CliEnvironment;
import dev.sandboxagent.cli.common.CliException;
import dev.sandboxagent.cli.common.ExitCodes;
import dev.sandboxagent.cli.install.LocalInstall;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sandbox-agent install-agent AGENT|all}: installs agent CLIs from npm on this machine, without a server,
 * printing npm's progress. Like {@code server}, it names no type of the modules below the CLI; {@link LocalInstall}
 * does, and is loaded only when this command runs.
 */
@Command(name = "install-agent",
        description = {"Install an agent's CLI from npm into <data dir>/agents (or $SANDBOX_AGENT_AGENTS_DIR), "
                + "where the server finds it. Idempotent: an installed version is left alone.",
                "AGENT is claude, codex, opencode, gemini, pi or all."})
public final class InstallAgentCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "AGENT", description = "claude, codex, opencode, gemini, pi or all.")
    String agent;

    @Option(names = "--agent-version", paramLabel = "VERSION",
            description = "The npm version (default: the version sandbox-agent is tested with).")
    String version;

    @Option(names = "--reinstall", description = "Install even when that version is there already.")
    boolean reinstall;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "The server's data directory (default: $SANDBOX_AGENT_DATA_DIR, else ~/.sandbox-agent).")
    Path dataDir;

    @Option(names = "--agents-dir", paramLabel = "DIR",
            description = "Install here instead (default: $SANDBOX_AGENT_AGENTS_DIR, else <data dir>/agents).")
    Path agentsDir;

    @Override
    public Integer call() {
        CliEnvironment environment = SandboxAgentCommand.environment(spec);
        Path target;
        if (agentsDir != null) {
            target = agentsDir.toAbsolutePath();
        } else if (environment.get("SANDBOX_AGENT_AGENTS_DIR") != null) {
            target = Path.of(environment.get("SANDBOX_AGENT_AGENTS_DIR")).toAbsolutePath();
        } else {
            target = (dataDir != null ? dataDir.toAbsolutePath() : environment.dataDir()).resolve("agents");
        }
        if (agent.equals("all") && version != null) {
            throw new CliException("--agent-version applies to one agent, not to all", ExitCodes.USAGE);
        }
        return LocalInstall.run(agent, version, reinstall, target, environment.variables(),
                spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
