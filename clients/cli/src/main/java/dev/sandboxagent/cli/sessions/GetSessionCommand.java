package dev.sandboxagent.cli.sessions;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.cli.args.CommandSpec;
import dev.sandboxagent.cli.args.ParsedArgs;
import dev.sandboxagent.cli.common.CliCommand;
import dev.sandboxagent.cli.common.CliContext;
import dev.sandboxagent.cli.output.SessionText;
import dev.sandboxagent.client.SessionInfo;

/** {@code sessions get ID}. */
final class GetSessionCommand implements CliCommand {
    @Override
    public CommandSpec spec() {
        return CommandSpec.command("get")
                .description("Show one session.")
                .argument("ID", "The session.")
                .options(ApiOptions.ALL)
                .build();
    }

    @Override
    public int run(ParsedArgs args, CliContext context) {
        String sessionId = args.argument(0);
        Connection connection = ApiOptions.connect(args, context);
        SessionInfo session = connection.client().getSession(sessionId);
        if (connection.json()) {
            connection.printJson(session);
        } else {
            SessionText.details(session, connection.out());
        }
        return 0;
    }
}
