package dev.sandboxagent.cli.sessions;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.cli.common.CliException;
import dev.sandboxagent.cli.common.ExitCodes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sessions send-message ID --message TEXT [--wait]}. */
@Command(name = "send-message", description = {"Send a message: starts a turn and prints its id at once.",
                "With --wait, prints the turn's events as they happen and exits when it ends "
                        + "(exit code 1 if it did not complete)."})
public final class SendMessageCommand implements Callable<Integer> {
    @Mixin(name = ApiOptions.MIXIN_NAME)
    ApiOptions api;

    @Parameters(index = "0", paramLabel = "ID", description = "The session.")
    String sessionId;

    @Option(names = {"--message", "-m"}, required = true, paramLabel = "TEXT",
            description = "The message; '-' reads it from standard input.")
    String message;

    @Option(names = "--idempotency-key", paramLabel = "KEY",
            description = "Makes a retry of this command return the first turn instead of starting another.")
    String idempotencyKey;

    @Option(names = "--wait", description = "Follow the turn's events until it ends.")
    boolean await;

    /** Standard input, replaceable in tests. */
    InputStream stdin = System.in;

    @Override
    public Integer call() {
        String text = "-".equals(message) ? readStdin() : message;
        Connection connection = api.connect();
        // Taken before sending, so the turn's first event is after it; see TurnFollower.
        long offset = await && idempotencyKey == null
                ? connection.client().getSession(sessionId).eventCount() : 0;
        String turnId = connection.client().sendMessage(sessionId, text, idempotencyKey, api.credentials());
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
