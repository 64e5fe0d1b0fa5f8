package dev.sandboxagent.cli.sessions;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.cli.args.CommandSpec;
import dev.sandboxagent.cli.args.ParsedArgs;
import dev.sandboxagent.cli.common.CliCommand;
import dev.sandboxagent.cli.common.CliContext;

/** {@code sessions terminate ID}. */
final class TerminateSessionCommand implements CliCommand {
    @Override
    public CommandSpec spec() {
        return CommandSpec.command("terminate")
                .description("Stop the session's agent and end the session; its transcript stays.")
                .argument("ID", "The session.")
                .options(ApiOptions.ALL)
                .build();
    }

    @Override
    public int run(ParsedArgs args, CliContext context) {
        String sessionId = args.argument(0);
        Connection connection = ApiOptions.connect(args, context);
        connection.client().terminate(sessionId);
        if (!connection.json()) { // the server answers 204: with --json there is nothing to print
            connection.println("terminated session " + sessionId);
        }
        return 0;
    }
}
