package dev.sandboxagent.cli.sessions;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.cli.common.CliException;
import dev.sandboxagent.client.CreateSessionRequest;
import dev.sandboxagent.client.CreateSessionResponse;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sessions create ID --agent A ...}. */
@Command(name = "create", description = "Create a session and start its agent.")
public final class CreateSessionCommand implements Callable<Integer> {
    @Mixin(name = ApiOptions.MIXIN_NAME)
    ApiOptions api;

    @Parameters(index = "0", paramLabel = "ID",
            description = "The session's id, chosen by you: letters, digits, '.', '_' or '-', at most 128.")
    String sessionId;

    @Option(names = "--agent", required = true, paramLabel = "AGENT",
            description = "The agent to run (see 'api agents list'), e.g. mock, claude, codex, opencode, gemini, pi.")
    String agent;

    @Option(names = "--agent-mode", paramLabel = "MODE", description = "The agent's mode (default: the agent's).")
    String agentMode;

    @Option(names = "--permission-mode", paramLabel = "MODE",
            description = "How the agent asks for permissions (default: the agent's).")
    String permissionMode;

    @Option(names = "--model", paramLabel = "MODEL", description = "The model (default: the agent's).")
    String model;

    @Option(names = "--variant", paramLabel = "VARIANT", description = "The model variant, where the agent has any.")
    String variant;

    @Option(names = "--directory", paramLabel = "DIR",
            description = "The agent's working directory (default: the server's). Relative paths are taken from "
                    + "here, not from the server's directory.")
    Path directory;

    @Option(names = "--title", paramLabel = "TITLE", description = "A title to show in lists.")
    String title;

    @Option(names = "--idempotency-key", paramLabel = "KEY",
            description = "Makes a retry of this command answer like the first one instead of failing.")
    String idempotencyKey;

    @Override
    public Integer call() {
        Connection connection = api.connect();
        CreateSessionRequest request = CreateSessionRequest.builder(agent)
                .agentMode(agentMode)
                .permissionMode(permissionMode)
                .model(model)
                .variant(variant)
                .directory(directory == null ? null : directory.toAbsolutePath().normalize().toString())
                .title(title)
                .credentials(api.credentials())
                .build();
        CreateSessionResponse created = connection.client().createSession(sessionId, request, idempotencyKey);
        if (connection.json()) {
            connection.printJson(created);
        } else {
            connection.println("created session " + sessionId + " (agent " + created.session().agent() + ")");
        }
        if (!created.healthy()) {
            throw new CliException("the agent of session " + sessionId + " did not start: "
                    + created.errorMessage());
        }
        return 0;
    }
}
