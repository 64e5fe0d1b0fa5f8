package dev.sandboxagent.cli.sessions;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.cli.args.CommandSpec;
import dev.sandboxagent.cli.args.Option;
import dev.sandboxagent.cli.args.ParsedArgs;
import dev.sandboxagent.cli.common.CliCommand;
import dev.sandboxagent.cli.common.CliContext;
import dev.sandboxagent.cli.common.CliException;
import dev.sandboxagent.cli.common.ExitCodes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** {@code sessions send-message ID --message TEXT [--wait]}. */
final class SendMessageCommand implements CliCommand {
    static final Option MESSAGE = Option.value("-m", "--message", "TEXT",
            "The message; '-' reads it from standard input.").required();
    static final Option IDEMPOTENCY_KEY = Option.value("--idempotency-key", "KEY",
            "Makes a retry of this command return the first turn instead of starting another.");
    static final Option WAIT = Option.flag("--wait", "Follow the turn's events until it ends.");

    /** Standard input, replaceable in tests. */
    InputStream stdin = System.in;

    @Override
    public CommandSpec spec() {
        return CommandSpec.command("send-message")
                .description("Send a message: starts a turn and prints its id at once.",
                        "With --wait, prints the turn's events as they happen and exits when it ends "
                                + "(exit code 1 if it did not complete).")
                .argument("ID", "The session.")
                .options(ApiOptions.ALL)
                .options(MESSAGE, IDEMPOTENCY_KEY, WAIT)
                .build();
    }

    @Override
    public int run(ParsedArgs args, CliContext context) {
        String sessionId = args.argument(0);
        String message = args.string(MESSAGE);
        String idempotencyKey = args.string(IDEMPOTENCY_KEY);
        boolean await = args.flag(WAIT);
        String text = "-".equals(message) ? readStdin() : message;
        Connection connection = ApiOptions.connect(args, context);
        // Taken before sending, so the turn's first event is after it; see TurnFollower.
        long offset = await && idempotencyKey == null
                ? connection.client().getSession(sessionId).eventCount() : 0;
        String turnId = connection.client().sendMessage(sessionId, text, idempotencyKey,
                ApiOptions.credentials(context));
        if (await) {
            new TurnFollower(connection).follow(sessionId, turnId, offset);
        } else if (connection.json()) {
            connection.printJson(Map.of("turnId", turnId));
        } else {
            connection.println("turn " + turnId + " started");
        }
        return 0;
    }

    private String readStdin() {
        try {
            return new String(stdin.readAllBytes(), StandardCharsets.UTF_8).stripTrailing();
        } catch (IOException e) {
            throw new CliException("could not read the message from standard input: " + e.getMessage(),
                    ExitCodes.USAGE);
        }
    }
}
