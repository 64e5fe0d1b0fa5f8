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
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake OpenAI Responses API ({@code POST /v1/responses}, streamed SSE) on 127.0.0.1 for the real Codex CLI: a
 * mock of the model provider only. It answers by the text of the last user message:
 * <ul>
 *   <li>{@code RUN_SHELL: <command>}: an {@code exec_command} function call (with {@code "login": false}: a login
 *       shell prints pyenv noise here); once its output comes back, a text reply quoting its exit line and the
 *       command's output (not the report's chunk id and wall time, which differ on every run)</li>
 *   <li>{@code APPLY_PATCH: <file>}: an {@code apply_patch} custom tool call adding {@code <file>} with the line
 *       {@code patched}; then a text reply quoting the tool's output</li>
 *   <li>{@code ASK: <question> | <option> | <option>...}: a {@code request_user_input} function call with that
 *       one question (id {@code choice}, header {@code Question}); then a text reply quoting the answer Codex
 *       returns as the tool's output</li>
 *   <li>{@code SLOW <n>}: a reply streamed as n deltas, 300 ms apart (for interrupts)</li>
 *   <li>{@code STALL}: one delta ({@code stalled }), then only SSE comments until the client goes away (at most
 *   60 s): an interrupt always finds the turn at the same point</li>
 *   <li>{@code THINK <text>}: a reasoning item whose summary ({@code FAKE_THOUGHT: <text>}) streams in word-sized
 *   {@code response.reasoning_summary_text.delta}s, as the API streams a reasoning model's summary; then the usual
 *   {@code FAKE_REPLY}</li>
 *   <li>{@code FAIL_REQUEST}: HTTP 400 with an OpenAI error body, which Codex does not retry: the turn fails</li>
 *   <li>anything else: {@code FAKE_REPLY: you said <text>}, streamed in word-sized deltas</li>
 * </ul>
 * Every request body and its Authorization header are kept for assertions.
 */
public final class FakeOpenAI implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern EXEC_REPORT = Pattern.compile(
            "(?s)Chunk ID: .*?\n(Process exited with code -?\\d+)\n.*?Output:\n(.*)");

    private final HttpServer server;
    private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();

    public FakeOpenAI() throws IOException {
        server = LoopbackHttp.start("fake-openai", this::handle);
    }

    /** For OPENAI_BASE_URL: with /v1, as OpenAI's convention has it. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    public List<JsonNode> requests() {
        return List.copyOf(requests);
    }

    public JsonNode lastRequest() {
        return requests.get(requests.size() - 1);
    }

    public List<String> authorizations() {
        return List.copyOf(authorizations);
    }

    /** Every text and tool output of a request's input, concatenated: to check what the model was shown. */
    public static String textOf(JsonNode request) {
        StringBuilder all = new StringBuilder();
        for (JsonNode item : request.path("input")) {
            for (JsonNode part : item.path("content")) {
                all.append(part.path("text").asText("")).append('\n');
            }
            if (item.has("output")) {
                all.append(item.path("output").asText(item.path("output").toString())).append('\n');
            }
        }
        return all.toString();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("POST")
                    || !exchange.getRequestURI().getPath().equals("/v1/responses")) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            JsonNode body = JSON.readTree(exchange.getRequestBody());
            requests.add(body);
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            if (!lastItem(body).path("type").asText().endsWith("_output")
                    && lastUserText(body).contains("FAIL_REQUEST")) {
                // A request the provider refuses for good (400 is not retried): the turn fails.
                byte[] refusal = ("{\"error\":{\"message\":\"the fake provider refuses this request\","
                        + "\"type\":\"invalid_request_error\",\"code\":null}}")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(400, refusal.length);
                exchange.getResponseBody().write(refusal);
                return;
            }
            exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            answer(body, exchange.getResponseBody());
        } catch (IOException e) {
            // the client went away (an interrupt): nothing to answer
        }
    }

    private void answer(JsonNode body, OutputStream out) throws IOException {
        String responseId = "resp_fake_" + id();
        ObjectNode created = JSON.createObjectNode().put("type", "response.created");
        created.putObject("response").put("id", responseId);
        send(out, created);
        JsonNode last = lastItem(body);
        String type = last.path("type").asText();
        if (type.equals("function_call_output") || type.equals("custom_tool_call_output")) {
            JsonNode output = last.path("output");
            text(out, "FAKE_DONE: tool said: " + quoted(output.isTextual() ? output.asText() : output.toString()), 0);
            complete(out, responseId);
            return;
        }
        String said = lastUserText(body);
        Matcher shell = Pattern.compile("(?s)RUN_SHELL: (.*)").matcher(said);
        Matcher slow = Pattern.compile("SLOW (\\d+)").matcher(said);
        Matcher patch = Pattern.compile("APPLY_PATCH: (\\S+)").matcher(said);
        Matcher ask = Pattern.compile("(?s)ASK: (.*)").matcher(said);
        if (ask.find()) {
            // request_user_input's parameters as Codex 0.169 declares them: every field of a question required.
            String[] parts = ask.group(1).split("\\|");
            ObjectNode arguments = JSON.createObjectNode();
            ObjectNode question = arguments.putArray("questions").addObject().put("id", "choice")
                    .put("header", "Question").put("question", parts[0].strip());
            ArrayNode options = question.putArray("options");
            for (int i = 1; i < parts.length; i++) {
                options.addObject().put("label", parts[i].strip()).put("description", "pick " + parts[i].strip());
            }
            ObjectNode done = JSON.createObjectNode().put("type", "response.output_item.done").put("output_index", 0);
            done.putObject("item").put("type", "function_call").put("call_id", "call_fake_" + id())
                    .put("name", "request_user_input").put("arguments", arguments.toString());
            send(out, done);
        } else if (patch.find()) {
            ObjectNode done = JSON.createObjectNode().put("type", "response.output_item.done").put("output_index", 0);
            done.putObject("item").put("type", "custom_tool_call").put("call_id", "call_fake_" + id())
                    .put("name", "apply_patch")
                    .put("input", "*** Begin Patch\n*** Add File: " + patch.group(1) + "\n+patched\n*** End Patch\n");
            send(out, done);
        } else if (shell.find()) {
            ObjectNode arguments = JSON.createObjectNode().put("cmd", shell.group(1).strip()).put("login", false);
            ObjectNode done = JSON.createObjectNode().put("type", "response.output_item.done").put("output_index", 0);
            done.putObject("item").put("type", "function_call").put("call_id", "call_fake_" + id())
                    .put("name", "exec_command").put("arguments", arguments.toString());
            send(out, done);
        } else if (slow.find()) {
            List<String> parts = new ArrayList<>();
            for (int i = 1; i <= Integer.parseInt(slow.group(1)); i++) {
                parts.add("slow-" + i + " ");
            }
            streamText(out, parts, 300);
        } else if (said.equals("STALL")) {
            stall(out);
        } else if (said.startsWith("THINK ")) {
            reasoning(out, "FAKE_THOUGHT: " + said.substring("THINK ".length()));
            text(out, "FAKE_REPLY: you said " + said, 0);
        } else {
            text(out, "FAKE_REPLY: you said " + said, 0);
        }
        complete(out, responseId);
    }

    /**
     * What the reply quotes of a tool's output: all of it, except for exec_command's report, whose header carries a
     * random chunk id and the wall time; of that, the exit line and the command's own output, so that the same
     * command gets the same reply on every run.
     */
    private static String quoted(String output) {
        Matcher report = EXEC_REPORT.matcher(output);
        return (report.matches() ? report.group(1) + "\n" + report.group(2) : output).strip();
    }

    private void text(OutputStream out, String text, long pauseMillis) throws IOException {
        List<String> parts = new ArrayList<>();
        Matcher word = Pattern.compile("\\S+\\s*|\\s+").matcher(text);
        while (word.find()) {
            parts.add(word.group());
        }
        streamText(out, parts, pauseMillis);
    }

    private void streamText(OutputStream out, List<String> parts, long pauseMillis) throws IOException {
        String messageId = "msg_fake_" + id();
        ObjectNode added = JSON.createObjectNode().put("type", "response.output_item.added").put("output_index", 0);
        added.putObject("item").put("type", "message").put("id", messageId).put("role", "assistant")
                .putArray("content");
        send(out, added);
        for (String part : parts) {
            send(out, JSON.createObjectNode().put("type", "response.output_text.delta").put("item_id", messageId)
                    .put("output_index", 0).put("content_index", 0).put("delta", part));
            if (pauseMillis > 0) {
                try {
                    Thread.sleep(pauseMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        ObjectNode done = JSON.createObjectNode().put("type", "response.output_item.done").put("output_index", 0);
        ObjectNode item = done.putObject("item").put("type", "message").put("role", "assistant").put("id", messageId);
        item.putArray("content").addObject().put("type", "output_text").put("text", String.join("", parts));
        send(out, done);
    }

    /** A reasoning output item with a one-part summary, streamed word by word. */
    private void reasoning(OutputStream out, String summary) throws IOException {
        String itemId = "rs_fake_" + id();
        ObjectNode added = JSON.createObjectNode().put("type", "response.output_item.added").put("output_index", 0);
        added.putObject("item").put("type", "reasoning").put("id", itemId).putArray("summary");
        send(out, added);
        ObjectNode partAdded = JSON.createObjectNode().put("type", "response.reasoning_summary_part.added")
                .put("item_id", itemId).put("output_index", 0).put("summary_index", 0);
        partAdded.putObject("part").put("type", "summary_text").put("text", "");
        send(out, partAdded);
        Matcher word = Pattern.compile("\\S+\\s*|\\s+").matcher(summary);
        while (word.find()) {
            send(out, JSON.createObjectNode().put("type", "response.reasoning_summary_text.delta").put("item_id", itemId)
                    .put("output_index", 0).put("summary_index", 0).put("delta", word.group()));
        }
        send(out, JSON.createObjectNode().put("type", "response.reasoning_summary_text.done").put("item_id", itemId)
                .put("output_index", 0).put("summary_index", 0).put("text", summary));
        ObjectNode done = JSON.createObjectNode().put("type", "response.output_item.done").put("output_index", 0);
        done.putObject("item").put("type", "reasoning").put("id", itemId).putArray("summary").addObject()
                .put("type", "summary_text").put("text", summary);
        send(out, done);
    }

    /** One delta, then SSE comments (which clients skip) until the client hangs up. */
    private void stall(OutputStream out) throws IOException {
        String messageId = "msg_fake_" + id();
        ObjectNode added = JSON.createObjectNode().put("type", "response.output_item.added").put("output_index", 0);
        added.putObject("item").put("type", "message").put("id", messageId).put("role", "assistant")
                .putArray("content");
        send(out, added);
        send(out, JSON.createObjectNode().put("type", "response.output_text.delta").put("item_id", messageId)
                .put("output_index", 0).put("content_index", 0).put("delta", "stalled "));
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            out.write(": still thinking\n\n".getBytes(StandardCharsets.UTF_8)); // throws once the client is gone
            out.flush();
        }
    }

    private void complete(OutputStream out, String responseId) throws IOException {
        ObjectNode completed = JSON.createObjectNode().put("type", "response.completed");
        ObjectNode usage = completed.putObject("response").put("id", responseId).putObject("usage")
                .put("input_tokens", 10).put("output_tokens", 5).put("total_tokens", 15);
        usage.putObject("input_tokens_details").put("cached_tokens", 0);
        usage.putObject("output_tokens_details").put("reasoning_tokens", 0);
        send(out, completed);
    }

    private static void send(OutputStream out, ObjectNode data) throws IOException {
        out.write(("event: " + data.path("type").asText() + "\ndata: " + data + "\n\n")
                .getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static JsonNode lastItem(JsonNode body) {
        JsonNode input = body.path("input");
        return input.isArray() && !input.isEmpty() ? input.get(input.size() - 1) : JSON.createObjectNode();
    }

    private static String lastUserText(JsonNode body) {
        String text = "";
        for (JsonNode item : body.path("input")) {
            if (item.path("role").asText().equals("user")) {
                StringBuilder all = new StringBuilder();
                for (JsonNode part : item.path("content")) {
                    if (part.path("type").asText().equals("input_text")) {
                        all.append(part.path("text").asText());
                    }
                }
                text = all.toString();
            }
        }
        return text.strip();
    }

    private static String id() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
