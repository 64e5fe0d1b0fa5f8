package dev.sandboxagent.cli.sessions;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.cli.args.CommandSpec;
import dev.sandboxagent.cli.args.ParsedArgs;
import dev.sandboxagent.cli.common.CliCommand;
import dev.sandboxagent.cli.common.CliContext;
import dev.sandboxagent.cli.output.SessionText;
import dev.sandboxagent.client.SessionInfo;
import java.util.List;
import java.util.Map;

/** {@code sessions list}. */
final class ListSessionsCommand implements CliCommand {
    @Override
    public CommandSpec spec() {
        return CommandSpec.command("list")
                .description("List all sessions.")
                .options(ApiOptions.ALL)
                .build();
    }

    @Override
    public int run(ParsedArgs args, CliContext context) {
        Connection connection = ApiOptions.connect(args, context);
        List<SessionInfo> sessions = connection.client().listSessions();
        if (connection.json()) {
            connection.printJson(Map.of("sessions", sessions));
        } else {
            SessionText.table(sessions, System.currentTimeMillis(), connection.out());
        }
        return 0;
    }
}
