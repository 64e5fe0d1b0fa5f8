package dev.sandboxagent.cli;

import dev.sandboxagent.cli.args.CommandSpec;
import dev.sandboxagent.cli.common.CliCommand;
import dev.sandboxagent.cli.docker.DockerCommand;
import dev.sandboxagent.cli.server.ServerCommand;

/** {@code sandbox-agent}: the root of the command tree. */
final class SandboxAgentCommand implements CliCommand {
    @Override
    public CommandSpec spec() {
        return CommandSpec.command("sandbox-agent")
                .description("Drive coding-agent sessions: run the server, or talk to one.")
                .subcommands("server", "api", "install-agent", "docker")
                .build();
    }

    @Override
    public CliCommand subcommand(String name) {
        return switch (name) {
            case "server" -> new ServerCommand();
            case "api" -> new ApiCommand();
            case "install-agent" -> new InstallAgentCommand();
            case "docker" -> new DockerCommand();
            default -> null;
        };
    }
}
