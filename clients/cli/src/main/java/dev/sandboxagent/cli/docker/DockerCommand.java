package dev.sandboxagent.cli.docker;

import picocli.CommandLine.Command;

/**
 * {@code sandbox-agent docker ...}: the server's warm Docker engine. A client of the HTTP API like the api commands,
 * so it never loads the server module or Vert.x.
 */
@Command(name = "docker", description = "The Docker engine the server keeps warm for agents.",
        subcommands = {DockerStatusCommand.class, DockerLogsCommand.class, DockerRestartCommand.class})
public final class DockerCommand {
}
