package dev.sandboxagent.cli;

import dev.sandboxagent.cli.api.ApiCommand;
import dev.sandboxagent.cli.common.CliEnvironment;
import dev.sandboxagent.cli.docker.DockerCommand;
import dev.sandboxagent.cli.server.ServerCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.ScopeType;

/**
 * {@code sandbox-agent}: the root of the command tree. It holds the environment every command reads its defaults
 * from; commands reach it through {@code spec.root().userObject()}.
 */
@Command(name = "sandbox-agent",
        // Inherited: every subcommand gets -h/--help and -V/--version without repeating it.
        scope = ScopeType.INHERIT,
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Drive coding-agent sessions: run the server, or talk to one.",
        subcommands = {ServerCommand.class, ApiCommand.class, InstallAgentCommand.class, DockerCommand.class})
public final class SandboxAgentCommand implements CliEnvironment.Source {
    private final CliEnvironment environment;

    public SandboxAgentCommand(CliEnvironment environment) {
        this.environment = environment;
    }

    @Override
    public CliEnvironment environment() {
        return environment;
    }

    /** The environment of the command tree that {@code spec} belongs to. */
    public static CliEnvironment environment(picocli.CommandLine.Model.CommandSpec spec) {
        return CliEnvironment.of(spec);
    }
}
