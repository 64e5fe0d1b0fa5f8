package dev.sandboxagent.cli.sessions;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.cli.args.CommandSpec;
import dev.sandboxagent.cli.args.ParsedArgs;
import dev.sandboxagent.cli.common.CliCommand;
import dev.sandboxagent.cli.common.CliContext;
import java.util.Map;

/** {@code sessions interrupt ID}. */
final class InterruptSessionCommand implements CliCommand {
    @Override
    public CommandSpec spec() {
        return CommandSpec.command("interrupt")
                .description("Cancel the running turn; the session stays and takes the next message.")
                .argument("ID", "The session.")
                .options(ApiOptions.ALL)
                .build();
    }

    @Override
    public int run(ParsedArgs args, CliContext context) {
        String sessionId = args.argument(0);
        Connection connection = ApiOptions.connect(args, context);
        String turnId = connection.client().interrupt(sessionId);
        if (connection.json()) {
            connection.printJson(Map.of("turnId", turnId));
        } else {
            connection.println("interrupted turn " + turnId);
        }
        return 0;
    }
}
