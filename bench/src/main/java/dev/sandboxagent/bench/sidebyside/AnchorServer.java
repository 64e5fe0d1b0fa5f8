package dev.sandboxagent.bench.sidebyside;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The public anchor (rivet-dev/sandbox-agent), its own Linux binary from npm, with its built-in mock agent over
 * ACP: {@code POST /v1/acp/{server_id}?agent=mock} with {@code initialize} creates an ACP server (one mock agent
 * process), later POSTs send JSON-RPC requests and answer with the agent's response, and
 * {@code GET /v1/acp/{server_id}} streams every envelope the agent wrote as SSE. Its mock echoes each request:
 * a notification ({@code mock/echo}) and the response. A turn is {@code session/prompt} until its response has
 * arrived both on the POST and on the SSE stream.
 */
final class AnchorServer implements Contender {
    static final String PACKAGE = "@sandbox-agent/cli-linux-x64";

    private final Path binary;
    private final String version;

    private AnchorServer(Path binary, String version) {
        this.binary = binary;
        this.version = version;
    }

    /** Uses an anchor binary already on disk; checks it says its version. */
    static AnchorServer of(Path binary) throws IOException, InterruptedException {
        String out = run(List.of(binary.toString(), "--version"), binary.getParent(), 30).trim();
        return new AnchorServer(binary, out.replaceFirst("^sandbox-agent\\s*", ""));
    }

    /**
     * Installs {@code PACKAGE@version} with npm into {@code prefix} (npm gets this process's environment: its
     * registry and CA settings) and returns it. The package's postinstall only marks the binary executable; npm
     * may skip install scripts, so that is done here too.
     */
    static AnchorServer install(String version, Path prefix) throws IOException, InterruptedException {
        Files.createDirectories(prefix);
        run(List.of("npm", "install", "--prefix", prefix.toString(), "--no-audit", "--no-fund",
                PACKAGE + "@" + version), prefix, 300);
        Path binary = prefix.resolve("node_modules").resolve(PACKAGE).resolve("bin").resolve("sandbox-agent");
        if (!Files.isRegularFile(binary)) {
            throw new IOException("npm installed no " + binary);
        }
        if (!binary.toFile().setExecutable(true)) {
            throw new IOException("cannot make " + binary + " executable");
        }
        AnchorServer anchor = of(binary);
        if (!anchor.version.equals(version)) {
            throw new IOException("installed " + anchor.version + ", not " + version);
        }
        return anchor;
    }

    private static String run(List<String> command, Path dir, long timeoutSeconds)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("anchor-run", ".log");
        try {
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + ": no answer in " + timeoutSeconds + " s");
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                List<String> lines = text.lines().toList();
                throw new IOException(String.join(" ", command) + " exited " + process.exitValue() + ": "
                        + String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size())));
            }
            return text;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    String version() {
        return version;
    }

    Path binary() {
        return binary;
    }

    @Override
    public String key() {
        return Results.ANCHOR;
    }

    /**
     * No data-dir flag: the anchor keeps its state under $XDG_DATA_HOME/sandbox-agent (installed agents, logs), so
     * HOME and XDG_DATA_HOME point into the fresh directory. No telemetry: nothing but loopback is contacted.
     */
    @Override
    public ServerProcess spawn(Path dataDir, int port, Path scratch) throws IOException {
        return ServerProcess.spawn("anchor", List.of(binary.toString(), "server", "--port", Integer.toString(port),
                "--no-token", "--no-telemetry"), dataDir, environment -> {
                    environment.keySet().removeIf(name -> name.startsWith("SANDBOX_AGENT_"));
                    environment.put("HOME", dataDir.toString());
                    environment.put("XDG_DATA_HOME", dataDir.resolve("data").toString());
                    environment.put("XDG_CONFIG_HOME", dataDir.resolve("config").toString());
                }, port, scratch.resolve("anchor-" + port + ".log"));
    }

    /** Installs the built-in mock (it writes a local launcher; nothing is downloaded). Only ever the mock. */
    @Override
    public void prepare(ServerProcess server) throws IOException, InterruptedException {
        Http.post(server.port(), "/v1/agents/mock/install", "{}");
    }

    @Override
    public Conversation open(ServerProcess server, String id) throws IOException, InterruptedException {
        int port = server.port();
        String path = "/v1/acp/" + id;
        Http.post(port, path + "?agent=mock", envelope(1, "initialize",
                "{\"protocolVersion\":1,\"clientCapabilities\":{}}"));
        Http.post(port, path, envelope(2, "session/new", "{\"cwd\":\"/tmp\",\"mcpServers\":[]}"));
        BlockingQueue<Long> responses = new LinkedBlockingQueue<>();
        SseStream stream = new SseStream(port, path, (eventId, data) -> {
            try {
                JsonNode message = Http.JSON.readTree(data);
                if (!message.has("method") && message.has("id")
                        && (message.has("result") || message.has("error"))) {
                    responses.add(message.get("id").asLong());
                }
            } catch (IOException e) {
                throw new IllegalStateException("not JSON on " + path + ": " + data, e);
            }
        });
        return new Conversation() {
            private long nextId = 100;

            @Override
            public void turn() throws Exception {
                long requestId = nextId++;
                JsonNode answer = Http.post(port, path, envelope(requestId, "session/prompt",
                        "{\"sessionId\":\"bench\",\"prompt\":[{\"type\":\"text\",\"text\":\"hi\"}]}"));
                if (answer == null || answer.path("id").asLong() != requestId || answer.has("error")) {
                    throw new IOException("session/prompt answered " + answer);
                }
                while (true) { // the stream replays the envelopes before it opened: skip older responses
                    Long seen = responses.poll(120, TimeUnit.SECONDS);
                    if (seen == null) {
                        throw new IOException("the response to " + requestId + " never arrived on " + path
                                + (stream.failure() == null ? "" : ": " + stream.failure()));
                    }
                    if (seen == requestId) {
                        return;
                    }
                }
            }

            @Override
            public long gaps() {
                return stream.failure() == null ? 0 : 1;
            }

            /** Only the stream: a DELETE of the ACP server takes the anchor about 30 s; the server is stopped next. */
            @Override
            public void close() {
                stream.close();
            }
        };
    }

    private static String envelope(long id, String method, String params) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + params + "}";
    }

    /**
     * {@code api acp post}: one JSON-RPC request through its CLI to an ACP server of the mock that is already open
     * (opened here, untimed), the response printed. Not {@code api agents list}: that opens a new ACP server with
     * a mock process on every call and waits for an extension method the mock only echoes.
     */
    @Override
    public List<String> cliCommand(ServerProcess server) throws IOException, InterruptedException {
        Http.post(server.port(), "/v1/acp/cli?agent=mock", envelope(1, "initialize",
                "{\"protocolVersion\":1,\"clientCapabilities\":{}}"));
        return List.of(binary.toString(), "api", "acp", "post", "--server-id", "cli", "--json",
                envelope(2, "session/prompt", "{\"sessionId\":\"cli\",\"prompt\":[]}"), "--endpoint",
                "http://127.0.0.1:" + server.port(), "--no-token");
    }

    @Override
    public String cliDescription() {
        return "anchor: sandbox-agent api acp post (one ACP request to an open mock ACP server, through its CLI)";
    }
}
