package dev.sandboxagent.cli.docker;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.client.DockerStatus;
import dev.sandboxagent.cli.args.CommandSpec;
import dev.sandboxagent.cli.args.ParsedArgs;
import dev.sandboxagent.cli.common.CliCommand;
import dev.sandboxagent.cli.common.CliContext;

/** {@code docker restart}. */
final class DockerRestartCommand implements CliCommand {
    @Override
    public CommandSpec spec() {
        return CommandSpec.command("restart")
                .description("Restart the dockerd the server runs (TERM, KILL after a grace period).")
                .options(ApiOptions.ALL)
                .build();
    }

    @Override
    public int run(ParsedArgs args, CliContext context) {
        Connection connection = ApiOptions.connect(args, context);
        DockerStatus status = connection.client().restartDocker();
        if (connection.json()) {
            connection.printJson(status);
        } else {
            connection.println("docker: restarting (was pid " + status.pid() + "); see: sandbox-agent docker status");
        }
        return 0;
    }
}
