package dev.sandboxagent.agents.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake Anthropic Messages API on 127.0.0.1 for the real Claude Code CLI (a mock of the model provider only: no
 * real model can run here). It answers by the text of the last user message, with streamed SSE like the real API:
 * <ul>
 *   <li>{@code RUN_BASH: <command>}: a Bash tool_use; once the tool result comes back, a text reply quoting it</li>
 *   <li>{@code ASK: <question> | <option> | <option>}: an AskUserQuestion tool_use; then a reply quoting the
 *   tool's result (the answers)</li>
 *   <li>{@code SLOW <n>}: a reply streamed as n deltas, 300 ms apart (for interrupts)</li>
 *   <li>{@code STALL}: one delta ({@code stalled }), then only {@code ping} events until the client goes away (at
 *   most 60 s): an interrupt always finds the turn at the same point</li>
 *   <li>{@code WRITE_FILE: <path> | <content>}: a call of the request's write tool ({@code Write} for Claude Code,
 *   {@code write} for opencode and pi), its arguments named as that tool's input schema names them (a path property
 *   and {@code content}); then a reply quoting the tool's result</li>
 *   <li>{@code THINK <text>}: a thinking block ({@code FAKE_THOUGHT: <text>}, in word-sized
 *   {@code thinking_delta}s and a {@code signature_delta}, as the API streams extended thinking), then the usual
 *   {@code FAKE_REPLY}</li>
 *   <li>{@code FAIL_REQUEST} (in the last text block): HTTP 400 with an Anthropic error body, which Claude Code
 *   does not retry: the turn ends in an error</li>
 *   <li>anything else: {@code FAKE_REPLY: you said <text>}, streamed in word-sized deltas</li>
 * </ul>
 * Every request body and its x-api-key header are kept for assertions.
 */
public final class FakeAnthropic implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern REMINDER = Pattern.compile("(?s)<system-reminder>.*?</system-reminder>");

    private final HttpServer server;
    private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    private final List<String> apiKeys = new CopyOnWriteArrayList<>();
    private volatile java.util.function.Consumer<JsonNode> replies = reply -> {
    };

    public FakeAnthropic() throws IOException {
        server = LoopbackHttp.start("fake-anthropic", this::handle);
    }

    /** For ANTHROPIC_BASE_URL (no /v1: the CLI adds it). */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public List<JsonNode> requests() {
        return List.copyOf(requests);
    }

    public List<String> apiKeys() {
        return List.copyOf(apiKeys);
    }

    /** Gets each SSE event as it is sent, {@code {"event":..,"data":..}} (for recorded transcripts). */
    public void onReply(java.util.function.Consumer<JsonNode> replies) {
        this.replies = replies;
    }

    /** Every user-visible text of every request, concatenated: to check what the model was shown. */
    public static String textOf(JsonNode request) {
        StringBuilder all = new StringBuilder();
        for (JsonNode message : request.path("messages")) {
            JsonNode content = message.path("content");
            if (content.isTextual()) {
                all.append(content.asText()).append('\n');
            }
            for (JsonNode block : content) {
                all.append(block.path("text").asText("")).append(block.path("content").toString()).append('\n');
            }
        }
        return all.toString();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("POST") || !exchange.getRequestURI().getPath().equals("/v1/messages")) {
                // Not a model request, so not recorded: e.g. the HEAD / with which Claude Code checks at start that
                // the endpoint answers (any answer will do; it is the only request it makes besides the turns').
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            JsonNode body = JSON.readTree(exchange.getRequestBody());
            requests.add(body);
            apiKeys.add(String.valueOf(exchange.getRequestHeaders().getFirst("x-api-key")));
            JsonNode last = lastMessage(body);
            // Only when the last text the user typed asks for it: opencode sends a failed prompt again, joined with
            // the next one into one message, and that next one must get an answer.
            if (toolResult(last) == null && lastUserBlock(last).contains("FAIL_REQUEST")) {
                // A request the provider refuses for good (400 is not retried): the turn ends in an error.
                byte[] refusal = ("{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                        + "\"message\":\"the fake provider refuses this request\"}}").getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.getResponseHeaders().add("request-id", "req_fake");
                exchange.sendResponseHeaders(400, refusal.length);
                exchange.getResponseBody().write(refusal);
                return;
            }
            exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
            exchange.getResponseHeaders().add("request-id", "req_fake");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            answer(body, out);
        } catch (IOException e) {
            // the client went away (an interrupt): nothing to answer
        }
    }

    private void answer(JsonNode body, OutputStream out) throws IOException {
        JsonNode last = lastMessage(body);
        String toolResult = toolResult(last);
        String model = body.path("model").asText("fake");
        String messageId = "msg_fake_" + UUID.randomUUID().toString().replace("-", "");
        ObjectNode start = JSON.createObjectNode().put("type", "message_start");
        start.putObject("message").put("id", messageId).put("type", "message").put("role", "assistant")
                .put("model", model).putNull("stop_reason").set("content", JSON.createArrayNode());
        ((ObjectNode) start.get("message")).putObject("usage").put("input_tokens", 10).put("output_tokens", 1);
        send(out, "message_start", start);
        if (toolResult != null) {
            text(out, "FAKE_DONE: tool said: " + toolResult.strip(), 0);
            finish(out, "end_turn");
            return;
        }
        String said = userText(last);
        Matcher bash = Pattern.compile("(?s)RUN_BASH: (.*)").matcher(said);
        Matcher slow = Pattern.compile("SLOW (\\d+)").matcher(said);
        Matcher ask = Pattern.compile("ASK: ([^|]+)((?:\\|[^|]+)+)").matcher(said);
        Matcher write = Pattern.compile("(?s)WRITE_FILE: ([^|]+)\\|(.*)").matcher(said);
        if (write.find()) {
            toolUse(out, writeTool(body).path("name").asText("Write"),
                    writeInput(writeTool(body), write.group(1).strip(), write.group(2).strip()));
        } else if (ask.find()) {
            ObjectNode question = JSON.createObjectNode().put("question", ask.group(1).strip())
                    .put("header", "Question").put("multiSelect", false);
            for (String option : ask.group(2).substring(1).split("\\|")) {
                question.withArray("options").addObject().put("label", option.strip()).put("description", option.strip());
            }
            ObjectNode input = JSON.createObjectNode();
            input.putArray("questions").add(question);
            toolUse(out, "AskUserQuestion", input);
        } else if (bash.find()) {
            ObjectNode block = JSON.createObjectNode().put("type", "content_block_start").put("index", 0);
            block.putObject("content_block").put("type", "tool_use")
                    .put("id", "toolu_fake_" + UUID.randomUUID().toString().replace("-", ""))
                    .put("name", shellTool(body)).putObject("input");
            send(out, "content_block_start", block);
            ObjectNode input = JSON.createObjectNode().put("command", bash.group(1).strip())
                    .put("description", "fake bash");
            ObjectNode delta = JSON.createObjectNode().put("type", "content_block_delta").put("index", 0);
            delta.putObject("delta").put("type", "input_json_delta").put("partial_json", input.toString());
            send(out, "content_block_delta", delta);
            send(out, "content_block_stop", JSON.createObjectNode().put("type", "content_block_stop").put("index", 0));
            finish(out, "tool_use");
        } else if (slow.find()) {
            List<String> parts = new ArrayList<>();
            for (int i = 1; i <= Integer.parseInt(slow.group(1)); i++) {
                parts.add("slow-" + i + " ");
            }
            streamText(out, parts, 300);
            finish(out, "end_turn");
        } else if (said.equals("STALL")) {
            stall(out);
        } else if (said.startsWith("THINK ")) {
            thinking(out, "FAKE_THOUGHT: " + said.substring("THINK ".length()));
            text(out, "FAKE_REPLY: you said " + said, 0, 1);
            finish(out, "end_turn");
        } else {
            text(out, "FAKE_REPLY: you said " + said, 0);
            finish(out, "end_turn");
        }
    }

    private void toolUse(OutputStream out, String name, JsonNode input) throws IOException {
        ObjectNode block = JSON.createObjectNode().put("type", "content_block_start").put("index", 0);
        block.putObject("content_block").put("type", "tool_use")
                .put("id", "toolu_fake_" + UUID.randomUUID().toString().replace("-", ""))
                .put("name", name).putObject("input");
        send(out, "content_block_start", block);
        ObjectNode delta = JSON.createObjectNode().put("type", "content_block_delta").put("index", 0);
        delta.putObject("delta").put("type", "input_json_delta").put("partial_json", input.toString());
        send(out, "content_block_delta", delta);
        send(out, "content_block_stop", JSON.createObjectNode().put("type", "content_block_stop").put("index", 0));
        finish(out, "tool_use");
    }

    private void text(OutputStream out, String text, long pauseMillis) throws IOException {
        text(out, text, pauseMillis, 0);
    }

    private void text(OutputStream out, String text, long pauseMillis, int index) throws IOException {
        streamText(out, words(text), pauseMillis, index);
    }

    private static List<String> words(String text) {
        List<String> parts = new ArrayList<>();
        Matcher word = Pattern.compile("\\S+\\s*|\\s+").matcher(text);
        while (word.find()) {
            parts.add(word.group());
        }
        return parts;
    }

    /** A thinking block at index 0, as the API streams one: its text in deltas, then the block's signature. */
    private void thinking(OutputStream out, String thought) throws IOException {
        ObjectNode block = JSON.createObjectNode().put("type", "content_block_start").put("index", 0);
        block.putObject("content_block").put("type", "thinking").put("thinking", "").put("signature", "");
        send(out, "content_block_start", block);
        for (String part : words(thought)) {
            ObjectNode delta = JSON.createObjectNode().put("type", "content_block_delta").put("index", 0);
            delta.putObject("delta").put("type", "thinking_delta").put("thinking", part);
            send(out, "content_block_delta", delta);
        }
        ObjectNode signature = JSON.createObjectNode().put("type", "content_block_delta").put("index", 0);
        signature.putObject("delta").put("type", "signature_delta").put("signature", "ZmFrZS1zaWduYXR1cmU=");
        send(out, "content_block_delta", signature);
        send(out, "content_block_stop", JSON.createObjectNode().put("type", "content_block_stop").put("index", 0));
    }

    private void streamText(OutputStream out, List<String> parts, long pauseMillis) throws IOException {
        streamText(out, parts, pauseMillis, 0);
    }

    private void streamText(OutputStream out, List<String> parts, long pauseMillis, int index) throws IOException {
        ObjectNode block = JSON.createObjectNode().put("type", "content_block_start").put("index", index);
        block.putObject("content_block").put("type", "text").put("text", "");
        send(out, "content_block_start", block);
        for (String part : parts) {
            ObjectNode delta = JSON.createObjectNode().put("type", "content_block_delta").put("index", index);
            delta.putObject("delta").put("type", "text_delta").put("text", part);
            send(out, "content_block_delta", delta);
            if (pauseMillis > 0) {
                try {
                    Thread.sleep(pauseMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        send(out, "content_block_stop", JSON.createObjectNode().put("type", "content_block_stop").put("index", index));
    }

    /** One delta, then pings (which the API really sends, and clients skip) until the client hangs up. */
    private void stall(OutputStream out) throws IOException {
        ObjectNode block = JSON.createObjectNode().put("type", "content_block_start").put("index", 0);
        block.putObject("content_block").put("type", "text").put("text", "");
        send(out, "content_block_start", block);
        ObjectNode delta = JSON.createObjectNode().put("type", "content_block_delta").put("index", 0);
        delta.putObject("delta").put("type", "text_delta").put("text", "stalled ");
        send(out, "content_block_delta", delta);
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            send(out, "ping", JSON.createObjectNode().put("type", "ping")); // throws once the client is gone
        }
        send(out, "content_block_stop", JSON.createObjectNode().put("type", "content_block_stop").put("index", 0));
        finish(out, "end_turn");
    }

    private void finish(OutputStream out, String stopReason) throws IOException {
        ObjectNode delta = JSON.createObjectNode().put("type", "message_delta");
        delta.putObject("delta").put("stop_reason", stopReason).putNull("stop_sequence");
        delta.putObject("usage").put("output_tokens", 5);
        send(out, "message_delta", delta);
        send(out, "message_stop", JSON.createObjectNode().put("type", "message_stop"));
    }

    /**
     * Claude Code calls its shell tool {@code Bash}, opencode {@code bash}: the name the request's tools offer, so
     * the one fake serves both.
     */
    private static String shellTool(JsonNode body) {
        for (JsonNode tool : body.path("tools")) {
            if (tool.path("name").asText().equalsIgnoreCase("bash")) {
                return tool.path("name").asText();
            }
        }
        return "Bash";
    }

    /** The tool the request offers for writing a whole file (named write in any case), or an empty node. */
    private static JsonNode writeTool(JsonNode body) {
        for (JsonNode tool : body.path("tools")) {
            if (tool.path("name").asText().equalsIgnoreCase("write")) {
                return tool;
            }
        }
        return JSON.createObjectNode();
    }

    /** The write tool's arguments, under the names its schema gives: file_path, filePath or path, and content. */
    private static ObjectNode writeInput(JsonNode tool, String path, String content) {
        String pathName = "file_path";
        for (var names = tool.path("input_schema").path("properties").fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (name.toLowerCase(java.util.Locale.ROOT).contains("path")) {
                pathName = name;
            }
        }
        return JSON.createObjectNode().put(pathName, path).put("content", content);
    }

    private void send(OutputStream out, String event, JsonNode data) throws IOException {
        replies.accept(JSON.createObjectNode().put("event", event).set("data", data));
        out.write(("event: " + event + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static JsonNode lastMessage(JsonNode body) {
        JsonNode last = null;
        for (JsonNode message : body.path("messages")) {
            if (message.path("role").asText().equals("user")) {
                last = message;
            }
        }
        return last == null ? JSON.createObjectNode() : last;
    }

    /** The tool result the last user message carries, or null if it is the user's own text. */
    private static String toolResult(JsonNode message) {
        for (JsonNode block : message.path("content")) {
            if (block.path("type").asText().equals("tool_result")) {
                JsonNode content = block.path("content");
                if (content.isTextual()) {
                    return content.asText();
                }
                StringBuilder text = new StringBuilder();
                content.forEach(part -> text.append(part.path("text").asText("")));
                return text.toString();
            }
        }
        return null;
    }

    /** The last text block of a user message that is not only a system reminder. */
    private static String lastUserBlock(JsonNode message) {
        JsonNode content = message.path("content");
        if (content.isTextual()) {
            return userText(message);
        }
        String last = "";
        for (JsonNode block : content) {
            String text = REMINDER.matcher(block.path("text").asText("")).replaceAll("").strip();
            if (block.path("type").asText().equals("text") && !text.isEmpty()) {
                last = text;
            }
        }
        return last;
    }

    private static String userText(JsonNode message) {
        JsonNode content = message.path("content");
        String text;
        if (content.isTextual()) {
            text = content.asText();
        } else {
            StringBuilder all = new StringBuilder();
            content.forEach(block -> {
                if (block.path("type").asText().equals("text")) {
                    all.append(block.path("text").asText()).append('\n');
                }
            });
            text = all.toString();
        }
        return REMINDER.matcher(text).replaceAll("").strip();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
