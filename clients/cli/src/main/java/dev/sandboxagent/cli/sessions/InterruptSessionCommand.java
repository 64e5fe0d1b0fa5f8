package dev.sandboxagent.cli.sessions;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code sessions interrupt ID}. */
@Command(name = "interrupt", description = "Cancel the running turn; the session stays and takes the next message.")
public final class InterruptSessionCommand implements Callable<Integer> {
    @Mixin(name = ApiOptions.MIXIN_NAME)
    ApiOptions api;

    @Parameters(index = "0", paramLabel = "ID", description = "The session.")
    String sessionId;

    @Override
    public Integer call() {
        Connection connection = api.connect();
        String turnId = connection.client().interrupt(sessionId);
        if (connection.json()) {
            connection.printJson(Map.of("turnId", turnId));
        } else {
            connection.println("interrupted turn " + turnId);
        }
        return 0;
    }
}
