package dev.sandboxagent.cli.sessions;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.cli.output.SessionText;
import dev.sandboxagent.client.SessionInfo;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code sessions get ID}. */
@Command(name = "get", description = "Show one session.")
public final class GetSessionCommand implements Callable<Integer> {
    @Mixin(name = ApiOptions.MIXIN_NAME)
    ApiOptions api;

    @Parameters(index = "0", paramLabel = "ID", description = "The session.")
    String sessionId;

    @Override
    public Integer call() {
        Connection connection = api.connect();
        SessionInfo session = connection.client().getSession(sessionId);
        if (connection.json()) {
            connection.printJson(session);
        } else {
            SessionText.details(session, connection.out());
        }
        return 0;
    }
}
