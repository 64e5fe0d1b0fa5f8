package dev.sandboxagent.cli.sessions;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.cli.output.SessionText;
import dev.sandboxagent.client.SessionInfo;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code sessions list}. */
@Command(name = "list", description = "List all sessions.")
public final class ListSessionsCommand implements Callable<Integer> {
    @Mixin(name = ApiOptions.MIXIN_NAME)
    ApiOptions api;

    @Override
    public Integer call() {
        Connection connection = api.connect();
        List<SessionInfo> sessions = connection.client().listSessions();
        if (connection.json()) {
            connection.printJson(Map.of("sessions", sessions));
        } else {
            SessionText.table(sessions, Instant.now(), connection.out());
        }
        return 0;
    }
}
