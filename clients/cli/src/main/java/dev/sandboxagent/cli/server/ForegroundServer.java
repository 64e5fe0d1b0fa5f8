package dev.sandboxagent.cli.server;

import dev.sandboxagent.cli.common.CliEnvironment;
import dev.sandboxagent.cli.common.CliException;
import dev.sandboxagent.server.SandboxAgentServer;
import dev.sandboxagent.server.ServerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the server until the JVM is asked to stop. The one class of the CLI that touches the server module; it is
 * loaded only when {@code sandbox-agent server} runs (see {@link ServerCommand}).
 */
final class ForegroundServer {
    private ForegroundServer() {
    }

    /**
     * Starts the server, prints where it listens, and blocks until a signal stops it.
     *
     * @throws IllegalArgumentException when the flags and environment do not make a configuration
     */
    static void run(ServerOptions options, CliEnvironment environment, PrintWriter out)
            throws IOException, InterruptedException {
        ServerConfig config = ServerConfig.resolve(options.host(), options.port(), options.token(),
                options.noToken(), options.dataDir(), options.docker(), options.warmConfig(), options.corsOrigins(),
                environment.variables());
        SandboxAgentServer server;
        try {
            server = SandboxAgentServer.start(config);
        } catch (IllegalStateException e) {
            throw new CliException(e.getMessage()); // e.g. "server did not start on 127.0.0.1:2468: Address in use"
        }
        PidFile pidFile = PidFile.write(config.dataDir());
        CountDownLatch forever = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            pidFile.deleteIfOurs();
            out.println("sandbox-agent stopped");
            out.flush();
            // A JVM ended by SIGTERM exits 143 even after an orderly stop, which supervisors and scripts read as a
            // failure. The stop was clean, so say so. Only a signal ends this command, so no other exit status is
            // overridden here.
            Runtime.getRuntime().halt(0);
        }, "sandbox-agent-shutdown"));

        out.println("sandbox-agent listening on http://" + hostForUrl(config.host()) + ":" + server.port() + " ("
                + tokenLocation(options, config, environment) + ")");
        out.flush();
        forever.await();
    }

    private static String tokenLocation(ServerOptions options, ServerConfig config, CliEnvironment environment) {
        if (config.token() == null) {
            return "no token: --no-token";
        }
        if (options.token() != null) {
            return "token from --token";
        }
        if (environment.get(CliEnvironment.TOKEN) != null) {
            return "token from $" + CliEnvironment.TOKEN;
        }
        return "token in " + config.dataDir().resolve(ServerConfig.TOKEN_FILE);
    }

    private static String hostForUrl(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }
}
