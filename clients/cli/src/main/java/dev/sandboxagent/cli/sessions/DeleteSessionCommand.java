package dev.sandboxagent.cli.sessions;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.cli.args.CommandSpec;
import dev.sandboxagent.cli.args.ParsedArgs;
import dev.sandboxagent.cli.common.CliCommand;
import dev.sandboxagent.cli.common.CliContext;

/** {@code sessions delete ID}. */
final class DeleteSessionCommand implements CliCommand {
    @Override
    public CommandSpec spec() {
        return CommandSpec.command("delete")
                .description("Stop the session's agent and remove the session and its events.")
                .argument("ID", "The session.")
                .options(ApiOptions.ALL)
                .build();
    }

    @Override
    public int run(ParsedArgs args, CliContext context) {
        String sessionId = args.argument(0);
        Connection connection = ApiOptions.connect(args, context);
        connection.client().deleteSession(sessionId);
        if (!connection.json()) { // the server answers 204: with --json there is nothing to print
            connection.println("deleted session " + sessionId);
        }
        return 0;
    }
}
