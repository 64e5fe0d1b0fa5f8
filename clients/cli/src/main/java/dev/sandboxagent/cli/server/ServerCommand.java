package dev.sandboxagent.cli.server;

import dev.sandboxagent.cli.args.CommandSpec;
import dev.sandboxagent.cli.args.OneOf;
import dev.sandboxagent.cli.args.Option;
import dev.sandboxagent.cli.args.ParsedArgs;
import dev.sandboxagent.cli.args.UsageException;
import dev.sandboxagent.cli.args.ValueType;
import dev.sandboxagent.cli.common.CliCommand;
import dev.sandboxagent.cli.common.CliContext;
import java.io.IOException;

/**
 * {@code sandbox-agent server}: runs the server in the foreground until SIGTERM or Ctrl-C, then stops it
 * gracefully (sessions stop without ending, so they resume after the restart).
 *
 * <p>This class names no server type: {@code sandbox-agent --help} builds it to list it. {@link ForegroundServer}
 * holds every reference to the server module and is loaded only when this command runs.
 */
public final class ServerCommand implements CliCommand {
    static final Option HOST = Option.value("--host", "HOST", "Address to listen on (default: 127.0.0.1).");
    static final Option PORT = Option.value("--port", "PORT",
            "Port to listen on; 0 picks a free one (default: 2468).").ofType(ValueType.INT);
    static final Option TOKEN = Option.value("--token", "TOKEN",
            "The bearer token clients must send (default: $SANDBOX_AGENT_TOKEN, else a generated one, written 0600 "
                    + "to <data dir>/token).");
    static final Option NO_TOKEN = Option.flag("--no-token",
            "Accept requests without a token. Only on a trusted network.");
    static final Option DATA_DIR = Option.value("--data-dir", "DIR",
            "Where sessions, events and the token file live (default: $SANDBOX_AGENT_DATA_DIR, else "
                    + "~/.sandbox-agent).").ofType(ValueType.PATH);
    static final Option DOCKER = Option.value("--docker", "auto|on|off",
            "The Docker engine for agents: auto adopts one on /var/run/docker.sock, else starts dockerd if "
                    + "installed, else runs without; on fails the start without a ready engine; off (default: "
                    + "$SANDBOX_AGENT_DOCKER, else auto).");
    static final Option WARM_CONFIG = Option.value("--warm-config", "FILE",
            "A JSON file of warm processes to keep running (default: $SANDBOX_AGENT_WARM_CONFIG).")
            .ofType(ValueType.PATH);
    static final Option CORS_ORIGIN = Option.value("--cors-origin", "ORIGIN",
            "A web origin (scheme://host[:port]) whose pages may call the server. Requests from any other page are "
                    + "refused (default: $SANDBOX_AGENT_CORS_ORIGINS, comma-separated, else none).").repeatable();

    @Override
    public CommandSpec spec() {
        return CommandSpec.command("server")
                .description("Run the server in the foreground; SIGTERM or Ctrl-C stops it gracefully.",
                        "Flags win over environment variables (SANDBOX_AGENT_HOST, _PORT, _TOKEN, _DATA_DIR, _DOCKER, "
                                + "_WARM_CONFIG, _CORS_ORIGINS), which win over defaults.")
                .options(HOST, PORT)
                .oneOf(OneOf.atMostOne(TOKEN, NO_TOKEN))
                .options(DATA_DIR, DOCKER, WARM_CONFIG, CORS_ORIGIN)
                .build();
    }

    @Override
    public int run(ParsedArgs args, CliContext context) throws IOException, InterruptedException {
        ServerOptions options = new ServerOptions(args.string(HOST), args.integer(PORT), args.string(TOKEN),
                args.flag(NO_TOKEN), args.path(DATA_DIR), args.string(DOCKER), args.path(WARM_CONFIG),
                args.strings(CORS_ORIGIN));
        try {
            ForegroundServer.run(options, context.environment(), context.out());
        } catch (IllegalArgumentException e) {
            // ServerConfig refuses the flags or environment (a port out of range, SANDBOX_AGENT_PORT not a number)
            throw new UsageException(e.getMessage());
        }
        return 0;
    }
}
