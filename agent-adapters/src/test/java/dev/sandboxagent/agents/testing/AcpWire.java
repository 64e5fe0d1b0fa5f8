package dev.sandboxagent.agents.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sandboxagent.agents.pty.LineReader;
import dev.sandboxagent.agents.pty.TerminalProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A small hand-driven ACP client for tests and for recording transcripts: JSON-RPC 2.0, one object per line, over
 * a real agent CLI's stdio (plain pipes) or under our PTY ({@link TerminalProcess}, raw mode, stdin either the
 * terminal or a pipe). Every line in both directions goes to the {@link Transcript}, in order; the agent's
 * requests (session/request_permission, fs/*) are answered by a handler, or with a JSON-RPC error.
 */
public final class AcpWire implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Transcript transcript;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<JsonNode>> calls = new ConcurrentHashMap<>();
    private final List<ObjectNode> received = new ArrayList<>();
    private final List<String> stderr = java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile Function<ObjectNode, JsonNode> requestHandler = request -> null;
    private volatile boolean passive;
    private final Writer writer;
    private final AutoCloseable stopper;

    private interface Writer {
        void write(String line) throws IOException;
    }

    private AcpWire(Transcript transcript, Writer writer, AutoCloseable stopper) {
        this.transcript = transcript;
        this.writer = writer;
        this.stopper = stopper;
    }

    /** Plain pipes: stdin, stdout and stderr each a pipe. */
    public static AcpWire stdio(List<String> command, Path cwd, Map<String, String> env, Transcript transcript)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(cwd.toFile());
        builder.environment().clear();
        builder.environment().putAll(env);
        Process process = builder.start();
        OutputStream in = process.getOutputStream();
        AcpWire wire = new AcpWire(transcript, line -> {
            synchronized (in) {
                in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                in.flush();
            }
        }, () -> {
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        });
        daemon("acp-stdout", () -> pump(process.getInputStream(), wire::line));
        daemon("acp-stderr", () -> pump(process.getErrorStream(), wire.stderr::add));
        return wire;
    }

    /** Under our PTY in raw mode; {@code stdinPipe}: stdin is a pipe, else the terminal too. */
    public static AcpWire pty(List<String> command, Path cwd, Map<String, String> env, boolean stdinPipe,
                              Transcript transcript) throws IOException {
        AcpWire[] self = new AcpWire[1];
        List<String> early = java.util.Collections.synchronizedList(new ArrayList<>());
        TerminalProcess terminal = TerminalProcess.builder(command).directory(cwd).environment(env)
                .stdinPipe(stdinPipe).readyTimeout(Duration.ofSeconds(30))
                .output(new LineReader(line -> {
                    AcpWire wire = self[0];
                    if (wire == null) {
                        early.add(line);
                    } else {
                        wire.line(line);
                    }
                }))
                .stderrLines(line -> {
                    AcpWire wire = self[0];
                    if (wire != null) {
                        wire.stderr.add(line);
                    }
                })
                .start();
        AcpWire wire = new AcpWire(transcript, terminal::writeLine, () -> terminal.terminate(Duration.ofSeconds(3)));
        self[0] = wire;
        early.forEach(wire::line);
        return wire;
    }

    public void onRequest(Function<ObjectNode, JsonNode> handler) {
        this.requestHandler = handler;
    }

    /** Leaves the agent's requests unanswered: for a caller that speaks the protocol itself ({@link #writeLine}). */
    public void passive() {
        this.passive = true;
    }

    /** Writes one line as it is (recorded as sent by the client). */
    public void writeLine(String line) throws IOException {
        out((ObjectNode) JSON.readTree(line));
    }

    /** Every object the agent wrote so far, in order. */
    public List<ObjectNode> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    public List<String> stderr() {
        return List.copyOf(stderr);
    }

    /** Sends a request and waits for its response (the whole response object: result or error). */
    public JsonNode call(String method, JsonNode params, Duration timeout) throws Exception {
        return send(method, params).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public CompletableFuture<JsonNode> send(String method, JsonNode params) throws IOException {
        long id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        calls.put(id, answer);
        ObjectNode request = JSON.createObjectNode().put("jsonrpc", "2.0").put("id", id).put("method", method);
        request.set("params", params);
        out(request);
        return answer;
    }

    public void notify(String method, JsonNode params) throws IOException {
        ObjectNode note = JSON.createObjectNode().put("jsonrpc", "2.0").put("method", method);
        note.set("params", params);
        out(note);
    }

    /** Waits until a received object matches, and returns it. */
    public ObjectNode await(Predicate<ObjectNode> match, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (received) {
            int seen = 0;
            while (true) {
                for (; seen < received.size(); seen++) {
                    if (match.test(received.get(seen))) {
                        return received.get(seen);
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("nothing matched within " + timeout + "; stderr: " + stderr());
                }
                received.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    private void out(ObjectNode message) throws IOException {
        String line = message.toString();
        transcript.add("client", message);
        writer.write(line);
    }

    private void line(String raw) {
        String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
        JsonNode node;
        try {
            node = line.strip().startsWith("{") ? JSON.readTree(line) : null;
        } catch (IOException e) {
            node = null;
        }
        if (!(node instanceof ObjectNode object)) {
            transcript.addText("agent", line);
            return;
        }
        transcript.add("agent", object);
        synchronized (received) {
            received.add(object);
            received.notifyAll();
        }
        if (object.has("id") && !object.has("method")) {
            CompletableFuture<JsonNode> call = calls.remove(object.path("id").asLong());
            if (call != null) {
                call.complete(object);
            }
        } else if (object.has("id") && !passive) {
            daemon("acp-answer", () -> answer(object));
        }
    }

    private void answer(ObjectNode request) {
        JsonNode result;
        try {
            result = requestHandler.apply(request);
        } catch (RuntimeException e) {
            result = null;
        }
        ObjectNode response = JSON.createObjectNode().put("jsonrpc", "2.0");
        response.set("id", request.get("id"));
        if (result == null) {
            response.putObject("error").put("code", -32601).put("message", "not served by the test client");
        } else {
            response.set("result", result);
        }
        try {
            out(response);
        } catch (IOException e) {
            // the agent is gone
        }
    }

    private static void pump(java.io.InputStream in, java.util.function.Consumer<String> lines) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                lines.accept(line);
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    private static void daemon(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() throws Exception {
        stopper.close();
    }

    /** Every line of a conversation, in order: {@code {"from":"client"|"agent"|"provider","json":..}}. */
    public static final class Transcript {
        private final List<ObjectNode> lines = java.util.Collections.synchronizedList(new ArrayList<>());

        public void add(String from, JsonNode json) {
            lines.add(JSON.createObjectNode().put("from", from).set("json", json.deepCopy()));
        }

        public void addText(String from, String text) {
            lines.add(JSON.createObjectNode().put("from", from).put("text", text));
        }

        public List<ObjectNode> lines() {
            synchronized (lines) {
                return List.copyOf(lines);
            }
        }
    }
}
