package dev.sandboxagent.cli.sessions;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.cli.args.CommandSpec;
import dev.sandboxagent.cli.args.Option;
import dev.sandboxagent.cli.args.ParsedArgs;
import dev.sandboxagent.cli.args.ValueType;
import dev.sandboxagent.cli.common.CliCommand;
import dev.sandboxagent.cli.common.CliContext;
import dev.sandboxagent.cli.common.CliException;
import dev.sandboxagent.client.CreateSessionRequest;
import dev.sandboxagent.client.CreateSessionResponse;
import java.nio.file.Path;

/** {@code sessions create ID --agent A ...}. */
final class CreateSessionCommand implements CliCommand {
    static final Option AGENT = Option.value("--agent", "AGENT",
            "The agent to run (see 'api agents list'), e.g. mock, claude, codex, opencode, gemini, pi.").required();
    static final Option AGENT_MODE = Option.value("--agent-mode", "MODE", "The agent's mode (default: the agent's).");
    static final Option PERMISSION_MODE = Option.value("--permission-mode", "MODE",
            "How the agent asks for permissions (default: the agent's).");
    static final Option MODEL = Option.value("--model", "MODEL", "The model (default: the agent's).");
    static final Option VARIANT = Option.value("--variant", "VARIANT", "The model variant, where the agent has any.");
    static final Option DIRECTORY = Option.value("--directory", "DIR",
            "The agent's working directory (default: the server's). Relative paths are taken from here, not from "
                    + "the server's directory.").ofType(ValueType.PATH);
    static final Option TITLE = Option.value("--title", "TITLE", "A title to show in lists.");
    static final Option IDEMPOTENCY_KEY = Option.value("--idempotency-key", "KEY",
            "Makes a retry of this command answer like the first one instead of failing.");
    static final Option NO_INSTALL = Option.flag("--no-install",
            "Fail (409 agent_not_installed) instead of installing an agent that is not installed; by default the "
                    + "server installs it first.");

    @Override
    public CommandSpec spec() {
        return CommandSpec.command("create")
                .description("Create a session and start its agent.")
                .argument("ID", "The session's id, chosen by you: letters, digits, '.', '_' or '-', at most 128.")
                .options(ApiOptions.ALL)
                .options(AGENT, AGENT_MODE, PERMISSION_MODE, MODEL, VARIANT, DIRECTORY, TITLE, IDEMPOTENCY_KEY,
                        NO_INSTALL)
                .build();
    }

    @Override
    public int run(ParsedArgs args, CliContext context) {
        String sessionId = args.argument(0);
        Path directory = args.path(DIRECTORY);
        Connection connection = ApiOptions.connect(args, context);
        CreateSessionRequest.Builder request = CreateSessionRequest.builder(args.string(AGENT))
                .agentMode(args.string(AGENT_MODE))
                .permissionMode(args.string(PERMISSION_MODE))
                .model(args.string(MODEL))
                .variant(args.string(VARIANT))
                .directory(directory == null ? null : directory.toAbsolutePath().normalize().toString())
                .title(args.string(TITLE))
                .credentials(ApiOptions.credentials(context));
        if (args.flag(NO_INSTALL)) {
            request.install(false); // unset otherwise: the field is left out and the server installs a missing agent
        }
        CreateSessionResponse created = connection.client().createSession(sessionId, request.build(),
                args.string(IDEMPOTENCY_KEY));
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
