package dev.sandboxagent.cli.docker;

import dev.sandboxagent.cli.args.CommandSpec;
import dev.sandboxagent.cli.common.CliCommand;

/**
 * {@code sandbox-agent docker ...}: the server's warm Docker engine. A client of the HTTP API like the api commands,
 * so it never loads the server module or Vert.x.
 */
public final class DockerCommand implements CliCommand {
    @Override
    public CommandSpec spec() {
        return CommandSpec.command("docker")
                .description("The Docker engine the server keeps warm for agents.")
                .subcommands("status", "logs", "restart")
                .build();
    }

    @Override
    public CliCommand subcommand(String name) {
        return switch (name) {
            case "status" -> new DockerStatusCommand();
            case "logs" -> new DockerLogsCommand();
            case "restart" -> new DockerRestartCommand();
            default -> null;
        };
    }
}
