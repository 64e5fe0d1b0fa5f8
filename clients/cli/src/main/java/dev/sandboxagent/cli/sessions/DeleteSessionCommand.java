package dev.sandboxagent.cli.sessions;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code sessions delete ID}. */
@Command(name = "delete", description = "Stop the session's agent and remove the session and its events.")
public final class DeleteSessionCommand implements Callable<Integer> {
    @Mixin(name = ApiOptions.MIXIN_NAME)
    ApiOptions api;

    @Parameters(index = "0", paramLabel = "ID", description = "The session.")
    String sessionId;

    @Override
    public Integer call() {
        Connection connection = api.connect();
        connection.client().deleteSession(sessionId);
        if (!connection.json()) { // the server answers 204: with --json there is nothing to print
            connection.println("deleted session " + sessionId);
        }
        return 0;
    }
}
