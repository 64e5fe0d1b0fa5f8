package dev.sandboxagent.cli;

import dev.sandboxagent.cli.args.CommandSpec;
import dev.sandboxagent.cli.args.Option;
import dev.sandboxagent.cli.args.ParsedArgs;
import dev.sandboxagent.cli.args.ValueType;
import dev.sandboxagent.cli.common.CliCommand;
import dev.sandboxagent.cli.common.CliContext;
import dev.sandboxagent.cli.common.CliEnvironment;
import dev.sandboxagent.cli.common.CliException;
import dev.sandboxagent.cli.common.ExitCodes;
import dev.sandboxagent.cli.install.LocalInstall;
import java.nio.file.Path;

/**
 * {@code sandbox-agent install-agent AGENT|all}: installs agent CLIs from npm on this machine, without a server,
 * printing npm's progress. Like {@code server}, it names no type of the modules below the CLI; {@link LocalInstall}
 * does, and is loaded only when this command runs.
 */
final class InstallAgentCommand implements CliCommand {
    static final Option VERSION = Option.value("--agent-version", "VERSION",
            "The npm version (default: the version sandbox-agent is tested with).");
    static final Option REINSTALL = Option.flag("--reinstall", "Install even when that version is there already.");
    static final Option DATA_DIR = Option.value("--data-dir", "DIR",
            "The server's data directory (default: $SANDBOX_AGENT_DATA_DIR, else ~/.sandbox-agent).")
            .ofType(ValueType.PATH);
    static final Option AGENTS_DIR = Option.value("--agents-dir", "DIR",
            "Install here instead (default: $SANDBOX_AGENT_AGENTS_DIR, else <data dir>/agents).")
            .ofType(ValueType.PATH);

    @Override
    public CommandSpec spec() {
        return CommandSpec.command("install-agent")
                .description("Install an agent's CLI from npm into <data dir>/agents (or $SANDBOX_AGENT_AGENTS_DIR), "
                        + "where the server finds it. Idempotent: an installed version is left alone.",
                        "AGENT is claude, codex, opencode, gemini, pi or all.")
                .argument("AGENT", "claude, codex, opencode, gemini, pi or all.")
                .options(VERSION, REINSTALL, DATA_DIR, AGENTS_DIR)
                .build();
    }

    @Override
    public int run(ParsedArgs args, CliContext context) {
        CliEnvironment environment = context.environment();
        String agent = args.argument(0);
        String version = args.string(VERSION);
        Path agentsDir = args.path(AGENTS_DIR);
        Path dataDir = args.path(DATA_DIR);
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
        return LocalInstall.run(agent, version, args.flag(REINSTALL), target, environment.variables(),
                context.out(), context.err());
    }
}
