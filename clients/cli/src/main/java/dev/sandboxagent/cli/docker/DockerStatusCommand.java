package dev.sandboxagent.cli.docker;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.client.DockerStatus;
import dev.sandboxagent.cli.args.CommandSpec;
import dev.sandboxagent.cli.args.ParsedArgs;
import dev.sandboxagent.cli.common.CliCommand;
import dev.sandboxagent.cli.common.CliContext;

/** {@code docker status}. */
final class DockerStatusCommand implements CliCommand {
    @Override
    public CommandSpec spec() {
        return CommandSpec.command("status")
                .description("Show the engine's state, pid, version, restarts and last error.")
                .options(ApiOptions.ALL)
                .build();
    }

    @Override
    public int run(ParsedArgs args, CliContext context) {
        Connection connection = ApiOptions.connect(args, context);
        DockerStatus status = connection.client().docker();
        if (connection.json()) {
            connection.printJson(status);
        } else {
            print(status, connection);
        }
        return 0;
    }

    static void print(DockerStatus s, Connection connection) {
        StringBuilder line = new StringBuilder("docker: ").append(s.state());
        StringBuilder detail = new StringBuilder();
        if (s.source() != null) {
            detail.append(s.source());
        }
        if (s.pid() != null) {
            detail.append(detail.length() > 0 ? ", " : "").append("pid ").append(s.pid());
        }
        if (s.version() != null) {
            detail.append(detail.length() > 0 ? ", " : "").append("version ").append(s.version());
        }
        detail.append(detail.length() > 0 ? ", " : "").append("restarts ").append(s.restarts());
        line.append(" (").append(detail).append(")");
        connection.println(line.toString());
        connection.println("mode: " + s.mode() + "   socket: " + s.socket());
        if (s.lastError() != null) {
            connection.println("last error: " + s.lastError());
        }
    }
}
