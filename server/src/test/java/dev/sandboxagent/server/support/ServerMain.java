package dev.sandboxagent.server.support;

import dev.sandboxagent.server.SandboxAgentServer;
import dev.sandboxagent.server.ServerConfig;
import java.nio.file.Path;
import java.util.Map;

/** Entry point for {@link ServerProcess}: a server in a child JVM, so a test can kill -9 it. */
public final class ServerMain {
    private ServerMain() {
    }

    public static void main(String[] args) throws Exception {
        Path dataDir = Path.of(args[0]);
        Map<String, String> agentEnvironment = new java.util.HashMap<>(Map.of(
                "PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"),
                "HOME", System.getProperty("user.home")));
        System.getenv().forEach((name, value) -> {
            if (name.startsWith("SANDBOX_AGENT_")) {
                agentEnvironment.put(name, value);
            }
        });
        // Optional: "agent-env=NAME" passes this JVM's NAME to the agents too, as a server started with a provider's
        // key in its environment does.
        for (String arg : args) {
            if (arg.startsWith("agent-env=") && System.getenv(arg.substring("agent-env=".length())) != null) {
                String name = arg.substring("agent-env=".length());
                agentEnvironment.put(name, System.getenv(name));
            }
        }
        ServerConfig config = new ServerConfig("127.0.0.1", 0, RunningServer.TOKEN, dataDir, 1024 * 1024,
                agentEnvironment);
        // Optional: "docker-dir=DIR dockerd=PATH" runs an isolated engine under DIR in mode on ("docker-mode=auto"
        // after them: in mode auto); "warm-config=FILE" declares warm processes.
        for (int i = 1; i < args.length; i++) {
            if (args[i].startsWith("docker-dir=")) {
                Path dir = Path.of(args[i].substring("docker-dir=".length()));
                Path dockerd = Path.of(args[i + 1].substring("dockerd=".length()));
                var mode = i + 2 < args.length && args[i + 2].equals("docker-mode=auto")
                        ? dev.sandboxagent.server.docker.DockerSettings.Mode.AUTO
                        : dev.sandboxagent.server.docker.DockerSettings.Mode.ON;
                config = config.withDocker(dev.sandboxagent.server.docker.DockerSettings.isolated(mode, dir, dockerd));
            } else if (args[i].startsWith("warm-config=")) {
                config = config.withWarmConfig(Path.of(args[i].substring("warm-config=".length())));
            }
        }
        // The same low event-loop limit as in-process servers; ServerProcess scans this JVM's log for reports.
        SandboxAgentServer server = SandboxAgentServer.start(config.withLimits(
                config.limits().withEventLoopWarning(BlockedEventLoops.TEST_LIMIT)));
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        System.out.println("PORT " + server.port());
        System.out.flush();
        Thread.currentThread().join();
    }
}
