package dev.sandboxagent.agents.pi;

import static dev.sandboxagent.agents.UniversalItems.message;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sandboxagent.agents.AgentEvent;
import dev.sandboxagent.agents.AgentProtocol;
import dev.sandboxagent.agents.AgentReplyException;
import dev.sandboxagent.agents.JsonLine;
import dev.sandboxagent.agents.ProtocolOutput;
import dev.sandboxagent.agents.UniversalItems;
import dev.sandboxagent.agents.WireVocabulary;
import dev.sandboxagent.schema.ContentPart;
import dev.sandboxagent.schema.EventData;
import dev.sandboxagent.schema.Item;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * pi's RPC mode ({@code pi --mode rpc}): JSON commands in, one JSON object per line out, either a
 * {@code response} to a command (matched by our {@code id}) or an event of the agent. pi prints nothing before its
 * first command, so readiness is the answer to {@code get_state}, which also names pi's session id. A turn is one
 * {@code prompt} command and ends with {@code agent_end} (or with the prompt's refusal); an interrupt is the
 * {@code abort} command. pi asks no permission and no question: tools run at once (by design), so no permission or
 * question id is ever pending. Never throws on output: a line it cannot read is {@code agent.unparsed}. Pure: one
 * instance per process, called under the launcher's lock.
 *
 * <p>Item ids: pi's assistant messages have no id until they end, so an item is named by the message's own
 * {@code timestamp} (ms, set when the message starts and repeated in every event of it), a counter and the content
 * block's index. The timestamp keeps ids apart across processes of one session (a resume starts the counter
 * afresh).
 */
final class PiProtocol implements AgentProtocol {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    static final String DISPLAY_NAME = "pi";
    static final String STATE_REQUEST = "sa-state";
    /** pi's events that say nothing a client needs (the turn's own bookkeeping; the user's message is ours). */
    private static final Set<String> IGNORED = Set.of("agent_start", "turn_start", "turn_end", "queue_update",
            "tool_execution_start", "tool_execution_update", "compaction_start", "auto_retry_end");
    /** Extension dialogs, which block pi until answered; the fire-and-forget methods need no answer. */
    private static final Set<String> DIALOGS = Set.of("select", "confirm", "input", "editor");
    /** How pi words a provider's refusal: the HTTP status, then the body. */
    private static final Pattern HTTP_ERROR = Pattern.compile("(?s)^(\\d{3}) (.*)$");

    private String nativeSessionId;
    private boolean ready;
    private long commands;
    private long messages;
    /** The timestamp of pi's latest assistant message: it names items that carry no id of their own. */
    private String lastTimestamp = "0";

    /** Whether pi runs a prompt we gave it, and whether we asked it to stop. */
    private boolean turnRunning;
    private boolean interruptRequested;
    /** What the running turn's assistant messages said: the last stop reason, an error, the usage summed. */
    private String lastStopReason;
    private String turnError;
    private final long[] usage = new long[4]; // input, output, cacheRead, cacheWrite
    private boolean usageSeen;

    /** The assistant message being streamed: its item id prefix, and per content index the open item. */
    private String messagePrefix;
    private final Map<Integer, OpenItem> openItems = new LinkedHashMap<>();
    /** Content indexes of the current message already reported complete. */
    private final Map<Integer, Boolean> reported = new HashMap<>();
    /** tool call id -> its tool_call item id, for the result's parent. */
    private final Map<String, String> callItems = new HashMap<>();
    // tool call id -> the file a write or edit call changes, put on its result once the tool has succeeded
    private final Map<String, ContentPart.FileRef> fileChanges = new HashMap<>();

    private record OpenItem(String itemId, boolean reasoning, StringBuilder text) {
    }

    @Override
    public String nativeSessionId() {
        return nativeSessionId;
    }

    /** {@code get_state}: its answer says pi parsed its flags, found its model, reads stdin, and names the session. */
    @Override
    public List<ProtocolOutput> open() {
        return List.of(send(JSON.objectNode().put("id", STATE_REQUEST).put("type", "get_state")));
    }

    @Override
    public List<ProtocolOutput> onLine(String line) {
        return JsonLine.translateTyped(line, this::translate, this::unparsed);
    }

    @Override
    public List<ProtocolOutput> startTurn(String turnId, String message) {
        turnRunning = true;
        interruptRequested = false;
        lastStopReason = null;
        turnError = null;
        java.util.Arrays.fill(usage, 0);
        usageSeen = false;
        return List.of(send(JSON.objectNode().put("id", "sa-prompt-" + ++commands).put("type", "prompt")
                .put("message", message)));
    }

    @Override
    public List<ProtocolOutput> interrupt() {
        if (!turnRunning) {
            return List.of();
        }
        interruptRequested = true;
        return List.of(send(JSON.objectNode().put("id", "sa-abort-" + ++commands).put("type", "abort")));
    }

    /** pi asks no permission: its tools run at once. */
    @Override
    public List<ProtocolOutput> replyPermission(String permissionId, String reply) {
        throw notWaiting("permission request", permissionId);
    }

    /** pi asks no question of its own (extension dialogs are declined as they come, see {@link #extensionUi}). */
    @Override
    public List<ProtocolOutput> replyQuestion(String questionId, List<List<String>> answers) {
        throw notWaiting("question", questionId);
    }

    @Override
    public List<ProtocolOutput> rejectQuestion(String questionId) {
        throw notWaiting("question", questionId);
    }

    private static AgentReplyException notWaiting(String what, String id) {
        return new AgentReplyException(AgentReplyException.Reason.UNKNOWN_REQUEST,
                DISPLAY_NAME + " is not waiting for an answer to " + what + " " + id + " (it asks none)");
    }

    /** Null for a line type we do not know. */
    private List<ProtocolOutput> translate(JsonNode node) {
        String type = node.path("type").asText();
        if (IGNORED.contains(type)) {
            return List.of();
        }
        return switch (type) {
            case "response" -> response(node);
            case "message_start" -> messageStart(node);
            case "message_update" -> messageUpdate(node);
            case "message_end" -> messageEnd(node);
            case "tool_execution_end" -> toolResult(node);
            case "agent_end" -> agentEnd(node);
            case "auto_retry_start" -> List.of(event(node, new EventData.ItemCompleted(UniversalItems.status(
                    "pi_retry_" + lastTimestamp + "_" + ++messages, "api_retry",
                    "attempt " + node.path("attempt").asInt() + " of " + node.path("maxAttempts").asInt()
                            + " after " + node.path("errorMessage").asText("an error")))));
            case "compaction_end" -> List.of(event(node, new EventData.ItemCompleted(UniversalItems.status(
                    "pi_compaction_" + lastTimestamp + "_" + ++messages, "compaction", node.path("reason").asText("")
                            + (node.path("aborted").asBoolean() ? " (aborted)" : "")))));
            case "extension_error" -> List.of(event(node, new EventData.Error(DISPLAY_NAME + " extension "
                    + node.path("extensionPath").asText("?") + " failed: " + node.path("error").asText(),
                    WireVocabulary.AGENT_ERROR, WireVocabulary.errorDetails("extension_error", null), null, null,
                    null)));
            case "extension_ui_request" -> extensionUi(node);
            default -> null;
        };
    }

    /** The answer to one of our commands: get_state's finishes the start; a refused prompt ends its turn. */
    private List<ProtocolOutput> response(JsonNode node) {
        String id = node.path("id").asText("");
        boolean success = node.path("success").asBoolean(false);
        if (id.equals(STATE_REQUEST)) {
            if (ready) {
                return List.of();
            }
            ready = true;
            if (!success) {
                return List.of(new ProtocolOutput.StartFailed("refused get_state: " + node.path("error").asText()));
            }
            nativeSessionId = node.path("data").path("sessionId").asText(null);
            return List.of(nativeSessionId == null
                    ? new ProtocolOutput.StartFailed("answered get_state without a session id")
                    : new ProtocolOutput.Ready(nativeSessionId));
        }
        if (node.path("command").asText().equals("prompt") && !success && turnRunning) {
            // Refused before it was accepted: no agent_end will come for it.
            turnRunning = false;
            String message = DISPLAY_NAME + " refused the prompt: " + node.path("error").asText("(no reason)");
            return List.of(event(node, new EventData.Error(message, WireVocabulary.AGENT_ERROR,
                            WireVocabulary.errorDetails("prompt_refused", null), null, null, null)),
                    new ProtocolOutput.TurnEnded(new EventData.TurnEnded.Metadata("error", null, null, null, null,
                            null, message), node));
        }
        return List.of(); // prompt accepted, abort done, a parse error of nothing we sent
    }

    private List<ProtocolOutput> messageStart(JsonNode node) {
        JsonNode message = node.path("message");
        if (!message.path("role").asText().equals("assistant")) {
            return List.of(); // the user's message (recorded by the server) or a tool result (tool_execution_end)
        }
        lastTimestamp = message.path("timestamp").asText(lastTimestamp);
        messagePrefix = "pi_" + lastTimestamp + "_" + ++messages;
        openItems.clear();
        reported.clear();
        return List.of();
    }

    /**
     * A streaming step. Each of pi's lines repeats the whole message so far twice ({@code message} and the event's
     * {@code partial}), so a reply of n deltas would keep n^2 text as raw: the events keep the line without them.
     */
    private List<ProtocolOutput> messageUpdate(JsonNode line) {
        ObjectNode node = ((ObjectNode) line).deepCopy();
        node.remove("message");
        if (node.path("assistantMessageEvent") instanceof ObjectNode step) {
            step.remove("partial");
        }
        JsonNode update = node.path("assistantMessageEvent");
        if (messagePrefix == null) {
            return List.of();
        }
        int index = update.path("contentIndex").asInt(0);
        switch (update.path("type").asText()) {
            case "text_start", "thinking_start" -> {
                boolean reasoning = update.path("type").asText().equals("thinking_start");
                OpenItem item = new OpenItem(itemId(index), reasoning, new StringBuilder());
                openItems.put(index, item);
                return List.of(event(node, new EventData.ItemStarted(message(item.itemId(), Item.Status.IN_PROGRESS,
                        null, reasoning))));
            }
            case "text_delta", "thinking_delta" -> {
                OpenItem item = openItems.get(index);
                String delta = update.path("delta").asText(null);
                if (item == null || delta == null) {
                    return List.of();
                }
                item.text().append(delta);
                return List.of(event(node, new EventData.ItemDelta(item.itemId(), delta)));
            }
            case "text_end", "thinking_end" -> {
                OpenItem item = openItems.remove(index);
                if (item == null) {
                    return List.of();
                }
                String text = update.path("content").asText(item.text().toString());
                reported.put(index, true);
                return List.of(event(node, new EventData.ItemCompleted(message(item.itemId(), Item.Status.COMPLETED,
                        text, item.reasoning()))));
            }
            case "toolcall_end" -> {
                reported.put(index, true);
                return List.of(event(node, new EventData.ItemCompleted(toolCall(index, update.path("toolCall")))));
            }
            default -> {
                return List.of(); // start, toolcall_start/delta, done, error: message_end says it all
            }
        }
    }

    /**
     * The assistant message is done: its items that are still open (an aborted or failed stream) complete with what
     * they hold, blocks that never streamed are reported whole, and a failed request is an {@code error} event.
     */
    private List<ProtocolOutput> messageEnd(JsonNode node) {
        JsonNode message = node.path("message");
        if (!message.path("role").asText().equals("assistant")) {
            return List.of();
        }
        if (messagePrefix == null) {
            lastTimestamp = message.path("timestamp").asText(lastTimestamp);
            messagePrefix = "pi_" + lastTimestamp + "_" + ++messages;
        }
        List<ProtocolOutput> outputs = new ArrayList<>();
        JsonNode content = message.path("content");
        for (int index = 0; index < content.size(); index++) {
            JsonNode block = content.get(index);
            OpenItem open = openItems.remove(index);
            if (open == null && reported.containsKey(index)) {
                continue;
            }
            switch (block.path("type").asText()) {
                case "text", "thinking" -> {
                    boolean reasoning = block.path("type").asText().equals("thinking");
                    String text = block.path(reasoning ? "thinking" : "text").asText("");
                    String itemId = open != null ? open.itemId() : itemId(index);
                    if (open == null) {
                        outputs.add(event(node, new EventData.ItemStarted(message(itemId, Item.Status.IN_PROGRESS,
                                null, reasoning))));
                    }
                    outputs.add(event(node, new EventData.ItemCompleted(message(itemId, Item.Status.COMPLETED, text,
                            reasoning))));
                }
                case "toolCall" -> outputs.add(event(node, new EventData.ItemCompleted(toolCall(index, block))));
                default -> {
                    // images and anything newer: nothing a client shows
                }
            }
        }
        // Items whose block the final message dropped still end, with what they streamed.
        for (OpenItem open : openItems.values()) {
            outputs.add(event(node, new EventData.ItemCompleted(message(open.itemId(), Item.Status.COMPLETED,
                    open.text().toString(), open.reasoning()))));
        }
        openItems.clear();
        reported.clear();
        messagePrefix = null;
        addUsage(message.path("usage"));
        lastStopReason = message.path("stopReason").asText(null);
        if ("error".equals(lastStopReason)) {
            String raw = message.path("errorMessage").asText("the request failed");
            EventData.Error error = errorOf(raw);
            turnError = error.message();
            outputs.add(event(node, error));
        }
        return outputs;
    }

    /**
     * A failed request in the common vocabulary: pi words the provider's refusal as {@code "<HTTP status> <body>"}
     * (the body the provider's JSON error); anything else is pi's own (a network error, a missing key).
     */
    static EventData.Error errorOf(String raw) {
        Matcher http = HTTP_ERROR.matcher(raw);
        if (http.matches()) {
            int status = Integer.parseInt(http.group(1));
            String body = http.group(2);
            String text = body;
            String code = "http_" + status;
            try {
                JsonNode parsed = MAPPER.readTree(body);
                if (parsed != null && parsed.path("error").isObject()) {
                    text = parsed.path("error").path("message").asText(body);
                    code = parsed.path("error").path("type").asText(code);
                }
            } catch (java.io.IOException e) {
                // not JSON: the body as it came
            }
            return new EventData.Error(DISPLAY_NAME + ": the provider answered " + status + ": " + text,
                    WireVocabulary.PROVIDER_ERROR, WireVocabulary.errorDetails(code, status), null, null, null);
        }
        return new EventData.Error(DISPLAY_NAME + ": " + raw, WireVocabulary.AGENT_ERROR,
                WireVocabulary.errorDetails("error", null), null, null, null);
    }

    private List<ProtocolOutput> toolResult(JsonNode node) {
        String callId = node.path("toolCallId").asText();
        String callItem = callItems.remove(callId);
        StringBuilder text = new StringBuilder();
        for (JsonNode part : node.path("result").path("content")) {
            text.append(part.path("text").asText(""));
        }
        boolean failed = node.path("isError").asBoolean();
        ContentPart.FileRef change = fileChanges.remove(callId);
        List<ContentPart> parts = new ArrayList<>();
        parts.add(new ContentPart.ToolResult(callId, text.toString()));
        if (change != null && !failed) {
            parts.add(change);
        }
        Item item = Item.of("result_" + callId, Item.Kind.TOOL_RESULT, Item.Role.TOOL,
                failed ? Item.Status.FAILED : Item.Status.COMPLETED, parts);
        return List.of(event(node, new EventData.ItemCompleted(callItem == null ? item : item.withParent(callItem))));
    }

    /** The prompt is done: interrupted when we asked (pi says aborted), error when its last request failed. */
    private List<ProtocolOutput> agentEnd(JsonNode node) {
        if (!turnRunning) {
            return List.of(); // not a prompt of ours (e.g. a late end after a refused prompt)
        }
        turnRunning = false;
        boolean interrupted = interruptRequested || "aborted".equals(lastStopReason);
        interruptRequested = false;
        String status = interrupted ? "interrupted" : turnError != null ? "error" : "completed";
        JsonNode stopReason = lastStopReason == null ? null : JSON.textNode(lastStopReason);
        JsonNode turnUsage = usageSeen ? WireVocabulary.usage(usage[0] + usage[2] + usage[3], usage[2], usage[3],
                usage[1], null) : null;
        return List.of(new ProtocolOutput.TurnEnded(new EventData.TurnEnded.Metadata(status, turnUsage, null, null,
                null, stopReason, status.equals("error") ? turnError : null), node));
    }

    /** pi's usage: {@code input} leaves out the cache, the common {@code input_tokens} counts everything. */
    private void addUsage(JsonNode u) {
        if (!u.isObject()) {
            return;
        }
        usageSeen = true;
        usage[0] += u.path("input").asLong(0);
        usage[1] += u.path("output").asLong(0);
        usage[2] += u.path("cacheRead").asLong(0);
        usage[3] += u.path("cacheWrite").asLong(0);
    }

    /**
     * An extension asks the user something (select, confirm, input, editor) and pi waits for the answer. Our API has
     * no place for an extension's dialog yet, so it is declined at once ({@code cancelled}, which the extension gets
     * as "no answer"), rather than leaving pi waiting; notifications need no answer.
     */
    private List<ProtocolOutput> extensionUi(JsonNode node) {
        if (!DIALOGS.contains(node.path("method").asText())) {
            return List.of();
        }
        return List.of(send(JSON.objectNode().put("type", "extension_ui_response").put("id", node.path("id").asText())
                .put("cancelled", true)));
    }

    private Item toolCall(int index, JsonNode call) {
        String itemId = itemId(index);
        String callId = call.path("id").asText(itemId);
        callItems.put(callId, itemId);
        ContentPart.FileRef change = fileChange(call.path("name").asText(), call.path("arguments"));
        if (change != null) {
            fileChanges.put(callId, change);
        }
        return UniversalItems.toolCall(itemId, call.path("name").asText("tool"), call.path("arguments").toString(),
                callId);
    }

    /**
     * The file one of pi's file tools changes, as codex's apply_patch results carry theirs: {@code write} writes a
     * whole file, {@code edit} patches one (pi sends no diff in the call, so none comes along); the path as the
     * model gave it ({@code path}, which pi resolves against the session's directory). Null for any other tool.
     */
    static ContentPart.FileRef fileChange(String tool, JsonNode arguments) {
        String path = arguments.path("path").asText("");
        if (path.isEmpty()) {
            return null;
        }
        return switch (tool) {
            case "write" -> new ContentPart.FileRef(path, "write", null);
            case "edit" -> new ContentPart.FileRef(path, "patch", null);
            default -> null;
        };
    }

    private String itemId(int index) {
        return messagePrefix + ":" + index;
    }

    private AgentEvent unparsed(String line, String reason) {
        return UniversalItems.unparsed(DISPLAY_NAME, line, reason, nativeSessionId);
    }

    private ProtocolOutput event(JsonNode raw, EventData data) {
        return ProtocolOutput.emit(data, raw, nativeSessionId);
    }

    private static ProtocolOutput send(JsonNode command) {
        return new ProtocolOutput.Reply(command.toString());
    }
}
