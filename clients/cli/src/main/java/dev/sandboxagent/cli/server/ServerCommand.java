package dev.sandboxagent.cli.server;

import dev.sandboxagent.cli.common.CliEnvironment;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code sandbox-agent server}: runs the server in the foreground until SIGTERM or Ctrl-C, then stops it
 * gracefully (sessions stop without ending, so they resume after the restart).
 *
 * <p>picocli instantiates and reflects over every command class when it builds the command tree, for api commands
 * too. So this class names no server type at all, not even in a lambda (whose synthetic method's signature
 * reflection would resolve); {@link ForegroundServer} holds every reference to the server module and is loaded
 * only when this command runs. Api commands thus start without Vert.x (ApiCommandsDoNotLoadTheServerTest).
 */
@Command(name = "server",
        description = {"Run the server in the foreground; SIGTERM or Ctrl-C stops it gracefully.",
                "Flags win over environment variables (SANDBOX_AGENT_HOST, _PORT, _TOKEN, _DATA_DIR, _DOCKER, "
                        + "_WARM_CONFIG, _CORS_ORIGINS), which win over defaults."})
public final class ServerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--host", paramLabel = "HOST", description = "Address to listen on (default: 127.0.0.1).")
    String host;

    @Option(names = "--port", paramLabel = "PORT",
            description = "Port to listen on; 0 picks a free one (default: 2468).")
    Integer port;

    @ArgGroup(exclusive = true)
    Auth auth;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Where sessions, events and the token file live (default: $SANDBOX_AGENT_DATA_DIR, else "
                    + "~/.sandbox-agent).")
    Path dataDir;

    @Option(names = "--docker", paramLabel = "auto|on|off",
            description = "The Docker engine for agents: auto adopts one on /var/run/docker.sock, else starts dockerd "
                    + "if installed, else runs without; on fails the start without a ready engine; off "
                    + "(default: $SANDBOX_AGENT_DOCKER, else auto).")
    String docker;

    @Option(names = "--warm-config", paramLabel = "FILE",
            description = "A JSON file of warm processes to keep running (default: $SANDBOX_AGENT_WARM_CONFIG).")
    Path warmConfig;

    @Option(names = "--cors-origin", paramLabel = "ORIGIN",
            description = "A web origin (scheme://host[:port]) whose pages may call the server; repeatable. Requests "
                    + "from any other page are refused (default: $SANDBOX_AGENT_CORS_ORIGINS, comma-separated, else "
                    + "none).")
    List<String> corsOrigins;

    /** A token or none, not both. */
    static final class Auth {
        @Option(names = "--token", paramLabel = "TOKEN",
                description = "The bearer token clients must send (default: $SANDBOX_AGENT_TOKEN, else a generated "
                        + "one, written 0600 to <data dir>/token).")
        String token;

        @Option(names = "--no-token", description = "Accept requests without a token. Only on a trusted network.")
        boolean noToken;
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        ServerOptions options = new ServerOptions(host, port, auth == null ? null : auth.token,
                auth != null && auth.noToken, dataDir, docker, warmConfig, corsOrigins);
        try {
            ForegroundServer.run(options, CliEnvironment.of(spec), spec.commandLine().getOut());
        } catch (IllegalArgumentException e) {
            // ServerConfig refuses the flags or environment (a port out of range, SANDBOX_AGENT_PORT not a number)
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        return 0;
    }
}
