package dev.sandboxagent.bench.sidebyside;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Our server, started the way the launcher starts it ({@code bin/sandbox-agent server}). */
final class OurServer implements Contender {
    /** The message of a mock turn: one whole assistant message (five events with the turn's own). */
    static final String TURN_MESSAGE = "echo hi";

    private final Path launcher;
    private final Path cliCache;
    private final String javaOpts;

    /**
     * {@code launcher}: bin/sandbox-agent of a built tree. {@code cliCache}: the XDG_CACHE_HOME of the timed CLI
     * calls, where the launcher keeps its class-data archive (trained by an untimed first call). {@code javaOpts}:
     * JVM flags for the server (the launcher's SANDBOX_AGENT_JAVA_OPTS), or null.
     */
    OurServer(Path launcher, Path cliCache, String javaOpts) {
        this.launcher = launcher;
        this.cliCache = cliCache;
        this.javaOpts = javaOpts;
    }

    @Override
    public String key() {
        return Results.OURS;
    }

    @Override
    public ServerProcess spawn(Path dataDir, int port, Path scratch) throws IOException {
        return ServerProcess.spawn("our server", List.of(launcher.toString(), "server", "--port",
                        Integer.toString(port), "--data-dir", dataDir.toString(), "--no-token", "--docker", "off"),
                scratch, environment -> {
                    cleanEnvironment(environment);
                    if (javaOpts != null) {
                        environment.put("SANDBOX_AGENT_JAVA_OPTS", javaOpts);
                    }
                }, port, scratch.resolve("server-" + port + ".log"));
    }

    /** Nothing of the caller's SANDBOX_AGENT_* settings (a token, a data dir, JVM options) reaches the server. */
    static void cleanEnvironment(Map<String, String> environment) {
        environment.keySet().removeIf(name -> name.startsWith("SANDBOX_AGENT_"));
    }

    @Override
    public void prepare(ServerProcess server) {
        // the mock is built in
    }

    /** Creates a mock session; returns its event count (the offset a stream starts after). */
    static long createSession(int port, String id) throws IOException, InterruptedException {
        return Http.post(port, "/v1/sessions/" + id, "{\"agent\":\"mock\"}").path("session").path("eventCount")
                .asLong();
    }

    static void send(int port, String id, String message) throws IOException, InterruptedException {
        Http.post(port, "/v1/sessions/" + id + "/messages", "{\"message\":" + Http.quote(message) + "}");
    }

    @Override
    public Conversation open(ServerProcess server, String id) throws IOException, InterruptedException {
        int port = server.port();
        long offset = createSession(port, id);
        OurStream stream = new OurStream(port, id, offset, null);
        return new Conversation() {
            @Override
            public void turn() throws Exception {
                send(port, id, TURN_MESSAGE);
                stream.awaitTurnEnded(120);
            }

            @Override
            public long gaps() {
                return stream.gaps();
            }

            @Override
            public void close() {
                stream.close();
            }
        };
    }

    @Override
    public List<String> cliCommand(ServerProcess server) {
        return List.of(launcher.toString(), "api", "sessions", "list", "--url", "http://127.0.0.1:" + server.port(),
                "--no-autostart");
    }

    @Override
    public void cliEnvironment(Map<String, String> environment) {
        cleanEnvironment(environment);
        environment.put("XDG_CACHE_HOME", cliCache.toString());
    }

    @Override
    public String cliDescription() {
        return "ours: bin/sandbox-agent api sessions list (the launcher's client flags and class-data archive, "
                + "trained by an untimed first call)";
    }
}
