package dev.sandboxagent.agents.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake Gemini API ({@code POST /v1beta/models/<model>:streamGenerateContent?alt=sse} and
 * {@code :generateContent}) on 127.0.0.1 for the real Gemini CLI, pointed at it with {@code GOOGLE_GEMINI_BASE_URL}:
 * a mock of the model provider only. It answers by the last text part of the last user turn (the CLI puts its
 * {@code <session_context>} first and the typed prompt last):
 * <ul>
 *   <li>{@code RUN_SHELL: <command>}: a {@code run_shell_command} function call; once its functionResponse comes
 *       back, a text reply quoting the tool's output</li>
 *   <li>{@code SLOW <n>}: a reply streamed as n chunks, 300 ms apart (for cancels)</li>
 *   <li>{@code STALL}: one chunk ({@code stalled }), then nothing until the client goes away (at most 60 s): a
 *       cancel always finds the turn at the same point</li>
 *   <li>{@code WRITE_FILE: <path> | <content>}: a {@code write_file} function call; then a reply quoting the
 *       tool's output</li>
 *   <li>{@code THINK <text>}: a thought (a part marked {@code "thought": true}: {@code **Fake thought**}, then
 *       {@code FAKE_THOUGHT: <text>}, as a thinking model's thoughts come), then the usual {@code FAKE_REPLY}</li>
 *   <li>{@code FAIL_REQUEST}: HTTP 400 with a Google API error body ({@code INVALID_ARGUMENT}), which the CLI does
 *       not retry: the turn ends in an error</li>
 *   <li>anything else: {@code FAKE_REPLY: you said <text>}, streamed one word per SSE chunk</li>
 * </ul>
 * A non-streamed {@code generateContent} (the CLI's side calls: model routing, next-speaker checks) gets a JSON
 * object that fills the request's {@code responseJsonSchema} (or {@code responseSchema}) with harmless values.
 * Every request body and its {@code x-goog-api-key} header are kept for assertions, and every chunk sent can be
 * watched (for recorded transcripts).
 */
public final class FakeGemini implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PATH = Pattern.compile(
            "/v1(?:beta|alpha)?/models/([^:/]+):(streamGenerateContent|generateContent|countTokens)");

    private final HttpServer server;
    private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    private final List<String> apiKeys = new CopyOnWriteArrayList<>();
    private volatile Consumer<JsonNode> replies = reply -> {
    };

    public FakeGemini() throws IOException {
        server = LoopbackHttp.start("fake-gemini", this::handle);
    }

    /** For GOOGLE_GEMINI_BASE_URL (no version: the CLI adds /v1beta). */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public List<JsonNode> requests() {
        return List.copyOf(requests);
    }

    public List<String> apiKeys() {
        return List.copyOf(apiKeys);
    }

    /** Gets each reply as sent: {@code {"path":..,"chunk":..}} per SSE chunk or JSON body. */
    public void onReply(Consumer<JsonNode> replies) {
        this.replies = replies;
    }

    /** Every text and function response of a request's contents, concatenated: what the model was shown. */
    public static String textOf(JsonNode request) {
        StringBuilder all = new StringBuilder();
        for (JsonNode content : request.path("contents")) {
            for (JsonNode part : content.path("parts")) {
                all.append(part.path("text").asText(""));
                if (part.has("functionResponse")) {
                    all.append(part.path("functionResponse").toString());
                }
                all.append('\n');
            }
        }
        return all.toString();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Matcher path = PATH.matcher(exchange.getRequestURI().getPath());
            if (!exchange.getRequestMethod().equals("POST") || !path.matches()) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            JsonNode body = JSON.readTree(exchange.getRequestBody());
            requests.add(body);
            apiKeys.add(String.valueOf(exchange.getRequestHeaders().getFirst("x-goog-api-key")));
            String model = path.group(1);
            switch (path.group(2)) {
                case "countTokens" -> json(exchange, JSON.createObjectNode().put("totalTokens", 10));
                case "generateContent" -> json(exchange, structured(body, model));
                default -> {
                    if (lastUserText(body).contains("FAIL_REQUEST")) {
                        refuse(exchange);
                        return;
                    }
                    exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
                    exchange.sendResponseHeaders(200, 0);
                    stream(body, model, exchange.getResponseBody());
                }
            }
        } catch (IOException e) {
            // the client went away (a cancel): nothing to answer
        }
    }

    /** A request refused for good: 400 is not one of the statuses the CLI retries (429, 5xx). */
    private void refuse(HttpExchange exchange) throws IOException {
        ObjectNode error = JSON.createObjectNode();
        error.putObject("error").put("code", 400).put("message", "the fake provider refuses this request")
                .put("status", "INVALID_ARGUMENT");
        replies.accept(JSON.createObjectNode().put("path", exchange.getRequestURI().getPath()).put("status", 400)
                .set("reply", error));
        byte[] bytes = JSON.writeValueAsBytes(error);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(400, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    /** The typed text of the last user turn, or "" when that turn is a function response. */
    private static String lastUserText(JsonNode body) {
        JsonNode lastUser = null;
        for (JsonNode content : body.path("contents")) {
            if (content.path("role").asText().equals("user")) {
                lastUser = content;
            }
        }
        String said = "";
        if (lastUser != null) {
            for (JsonNode part : lastUser.path("parts")) {
                if (part.has("functionResponse")) {
                    return "";
                }
                if (part.has("text")) {
                    said = part.path("text").asText();
                }
            }
        }
        return said;
    }

    private void json(HttpExchange exchange, JsonNode reply) throws IOException {
        replies.accept(JSON.createObjectNode().put("path", exchange.getRequestURI().getPath()).set("reply", reply));
        byte[] bytes = JSON.writeValueAsBytes(reply);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    /** A side call's answer: one candidate whose text is JSON matching the asked-for schema. */
    private static JsonNode structured(JsonNode body, String model) {
        JsonNode config = body.path("generationConfig");
        JsonNode schema = config.has("responseJsonSchema") ? config.get("responseJsonSchema")
                : config.path("responseSchema");
        String text = schema.isMissingNode() ? "FAKE_REPLY" : fill(schema).toString();
        return candidate(model, JSON.createArrayNode().add(JSON.createObjectNode().put("text", text)), "STOP");
    }

    /** A value of the schema's type: the first enum value, the minimum, or "fake". */
    private static JsonNode fill(JsonNode schema) {
        if (schema.has("enum") && schema.get("enum").size() > 0) {
            return schema.get("enum").get(0);
        }
        String type = schema.path("type").asText("object").toLowerCase(java.util.Locale.ROOT);
        return switch (type) {
            case "object" -> {
                ObjectNode object = JSON.createObjectNode();
                schema.path("properties").properties()
                        .forEach(p -> object.set(p.getKey(), fill(p.getValue())));
                yield object;
            }
            case "array" -> JSON.createArrayNode();
            case "integer", "number" -> JSON.getNodeFactory().numberNode(schema.path("minimum").asInt(1));
            case "boolean" -> JSON.getNodeFactory().booleanNode(false);
            default -> JSON.getNodeFactory().textNode("fake");
        };
    }

    private void stream(JsonNode body, String model, OutputStream out) throws IOException {
        JsonNode lastUser = null;
        for (JsonNode content : body.path("contents")) {
            if (content.path("role").asText().equals("user")) {
                lastUser = content;
            }
        }
        String said = "";
        String toolOutput = null;
        if (lastUser != null) {
            for (JsonNode part : lastUser.path("parts")) {
                if (part.has("functionResponse")) {
                    toolOutput = outputOf(part.path("functionResponse").path("response"));
                } else if (part.has("text")) {
                    said = part.path("text").asText();
                }
            }
        }
        if (toolOutput != null) {
            words(out, model, "FAKE_DONE: tool said: " + toolOutput.strip(), 0);
            return;
        }
        said = said.strip();
        Matcher shell = Pattern.compile("(?s)RUN_SHELL: (.*)").matcher(said);
        Matcher slow = Pattern.compile("SLOW (\\d+)").matcher(said);
        Matcher write = Pattern.compile("(?s)WRITE_FILE: ([^|]+)\\|(.*)").matcher(said);
        if (write.find()) {
            ObjectNode call = JSON.createObjectNode();
            call.putObject("functionCall").put("name", "write_file").putObject("args")
                    .put("file_path", write.group(1).strip()).put("content", write.group(2).strip());
            send(out, candidate(model, JSON.createArrayNode().add(call), "STOP"));
        } else if (shell.find()) {
            ObjectNode call = JSON.createObjectNode();
            call.putObject("functionCall").put("name", "run_shell_command").putObject("args")
                    .put("command", shell.group(1).strip()).put("description", "fake shell");
            send(out, candidate(model, JSON.createArrayNode().add(call), "STOP"));
        } else if (said.equals("STALL")) {
            stall(out, model);
        } else if (said.startsWith("THINK ")) {
            // A thinking model's thought: a bold subject, then its text (the CLI splits the two).
            ArrayNode content = JSON.createArrayNode().add(JSON.createObjectNode()
                    .put("text", "**Fake thought**\n\nFAKE_THOUGHT: " + said.substring(6)).put("thought", true));
            send(out, candidate(model, content, null));
            words(out, model, "FAKE_REPLY: you said " + said, 0);
        } else if (slow.find()) {
            List<String> parts = new ArrayList<>();
            for (int i = 1; i <= Integer.parseInt(slow.group(1)); i++) {
                parts.add("slow-" + i + " ");
            }
            chunks(out, model, parts, 300);
        } else {
            words(out, model, "FAKE_REPLY: you said " + said, 0);
        }
    }

    /**
     * The CLI's functionResponse is {"output": ...} (or {"error": ...}): the text the model would read, without the
     * shell's process group id, which differs on every run (wire snapshots quote the reply).
     */
    private static String outputOf(JsonNode response) {
        if (response.has("output")) {
            return response.path("output").asText().replaceAll("Process Group PGID: \\d+\\n?", "");
        }
        return response.has("error") ? response.path("error").asText() : response.toString();
    }

    /**
     * One chunk, then silence until the client hangs up (a write fails) or 60 s pass. Gemini's SSE has no ping, so
     * the hang-up shows as a failed write of an SSE comment line, which clients ignore.
     */
    private void stall(OutputStream out, String model) throws IOException {
        send(out, candidate(model, JSON.createArrayNode().add(JSON.createObjectNode().put("text", "stalled ")),
                null));
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            out.write(": stalled\r\n\r\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    private void words(OutputStream out, String model, String text, long pauseMillis) throws IOException {
        List<String> parts = new ArrayList<>();
        Matcher word = Pattern.compile("\\S+\\s*|\\s+").matcher(text);
        while (word.find()) {
            parts.add(word.group());
        }
        chunks(out, model, parts, pauseMillis);
    }

    private void chunks(OutputStream out, String model, List<String> parts, long pauseMillis) throws IOException {
        for (int i = 0; i < parts.size(); i++) {
            ArrayNode content = JSON.createArrayNode().add(JSON.createObjectNode().put("text", parts.get(i)));
            send(out, candidate(model, content, i == parts.size() - 1 ? "STOP" : null));
            if (pauseMillis > 0) {
                try {
                    Thread.sleep(pauseMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static ObjectNode candidate(String model, ArrayNode parts, String finishReason) {
        ObjectNode chunk = JSON.createObjectNode();
        ObjectNode candidate = chunk.putArray("candidates").addObject();
        candidate.putObject("content").put("role", "model").set("parts", parts);
        if (finishReason != null) {
            candidate.put("finishReason", finishReason);
        }
        candidate.put("index", 0);
        chunk.putObject("usageMetadata").put("promptTokenCount", 10).put("candidatesTokenCount", 5)
                .put("totalTokenCount", 15);
        chunk.put("modelVersion", model).put("responseId", "fake-response");
        return chunk;
    }

    private void send(OutputStream out, JsonNode chunk) throws IOException {
        replies.accept(JSON.createObjectNode().put("path", "streamGenerateContent").set("chunk", chunk));
        out.write(("data: " + chunk + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
