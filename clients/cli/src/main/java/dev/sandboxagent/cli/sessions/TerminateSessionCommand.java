package dev.sandboxagent.cli.sessions;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code sessions terminate ID}. */
@Command(name = "terminate", description = "Stop the session's agent and end the session; its transcript stays.")
public final class TerminateSessionCommand implements Callable<Integer> {
    @Mixin(name = ApiOptions.MIXIN_NAME)
    ApiOptions api;

    @Parameters(index = "0", paramLabel = "ID", description = "The session.")
    String sessionId;

    @Override
    public Integer call() {
        Connection connection = api.connect();
        connection.client().terminate(sessionId);
        if (!connection.json()) { // the server answers 204: with --json there is nothing to print
            connection.println("terminated session " + sessionId);
        }
        return 0;
    }
}
