package dev.sandboxagent.agents.claude;

import static dev.sandboxagent.agents.UniversalItems.message;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sandboxagent.agents.AgentEvent;
import dev.sandboxagent.agents.AgentProtocol;
import dev.sandboxagent.agents.AgentReplyException;
import dev.sandboxagent.agents.JsonLine;
import dev.sandboxagent.agents.ProtocolOutput;
import dev.sandboxagent.agents.QuestionView;
import dev.sandboxagent.agents.UniversalItems;
import dev.sandboxagent.agents.WireVocabulary;
import dev.sandboxagent.schema.ContentPart;
import dev.sandboxagent.schema.EventData;
import dev.sandboxagent.schema.Item;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Claude Code's stream-json protocol, both ways ({@code --input-format stream-json --output-format stream-json
 * --verbose --include-partial-messages --permission-prompt-tool stdio}). Its output becomes universal events with
 * the anchor's data shapes; its control requests (tool permissions, and AskUserQuestion and ExitPlanMode, which are
 * questions) wait for the answers this protocol writes when the session core replies. Readiness is the answer to
 * an initialize control request: Claude Code prints nothing before its first input. A turn is one user line in
 * and, eventually, one {@code result} line out. Never throws on output: a line it cannot make sense of becomes
 * {@code agent.unparsed}, and the terminal's own noise (the reset sequence Claude Code writes when it exits) is
 * dropped. Pure: one instance per process, called under the launcher's lock.
 */
final class ClaudeProtocol implements AgentProtocol {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    static final String INIT_REQUEST = "init_1";
    static final String ASK_USER_QUESTION = "AskUserQuestion";
    static final String EXIT_PLAN_MODE = "ExitPlanMode";
    /** The options of plan approval: "approve" lets ExitPlanMode run, anything else stops it. */
    static final String APPROVE = "approve";
    static final String REJECT = "reject";
    private static final Set<String> IGNORED_SYSTEM = Set.of("status", "compact_boundary", "hook_response");

    AgentEvent unparsed(String line, String reason) {
        return UniversalItems.unparsed("Claude Code", line, reason, nativeSessionId);
    }

    private String nativeSessionId;
    private boolean ready;
    /** message id -> how many of its content blocks came as assistant lines so far. */
    private final Map<String, Integer> blocksSeen = new HashMap<>();
    /** item id -> text streamed so far, for items started from stream events and not completed yet. */
    private final Map<String, StringBuilder> streaming = new HashMap<>();
    /** stream block index -> item id, for the API message being streamed. */
    private final Map<Integer, String> streamedItems = new HashMap<>();
    private final Map<String, String> callItems = new HashMap<>(); // tool_use id -> its tool_call item id
    // tool_use id -> the file a Write/Edit call changes, put on its result once the tool has succeeded
    private final Map<String, ContentPart.FileRef> fileChanges = new HashMap<>();
    private String streamingMessageId;

    private long requestIds;
    /** Permission requests Claude Code waits on: request id -> the tool's input (allow must echo it back). */
    private final Map<String, PendingPermission> pendingPermissions = new HashMap<>();
    /** Questions (AskUserQuestion, plan approval) Claude Code waits on: request id -> what was asked. */
    private final Map<String, PendingQuestion> pendingQuestions = new HashMap<>();
    /** Tools the user allowed "always" in this process: their requests are answered at once. */
    private final Set<String> alwaysAllowed = new HashSet<>();
    /** Whether Claude Code runs a turn we gave it, and whether we asked it to stop. */
    private boolean turnRunning;
    private boolean interruptRequested;

    private record PendingPermission(String toolName, JsonNode input, String action) {
    }

    private record PendingQuestion(String toolName, JsonNode input, QuestionView view) {
    }

    /** @param nativeSessionId the session id the command line pinned (--session-id or --resume) */
    ClaudeProtocol(String nativeSessionId) {
        this.nativeSessionId = nativeSessionId;
    }

    @Override
    public String nativeSessionId() {
        return nativeSessionId;
    }

    /** The initialize control request: its answer says the CLI parsed its flags, found credentials, reads stdin. */
    @Override
    public List<ProtocolOutput> open() {
        return List.of(send(JSON.objectNode().put("type", "control_request").put("request_id", INIT_REQUEST)
                .set("request", JSON.objectNode().put("subtype", "initialize").putNull("hooks"))));
    }

    /** What one output line stands for (often nothing: control traffic, partial-message bookkeeping). */
    @Override
    public List<ProtocolOutput> onLine(String line) {
        return JsonLine.translateTyped(line, this::translate, this::unparsed);
    }

    @Override
    public List<ProtocolOutput> startTurn(String turnId, String message) {
        turnRunning = true;
        interruptRequested = false;
        ObjectNode line = JSON.objectNode().put("type", "user");
        line.putObject("message").put("role", "user").put("content", message);
        line.putNull("parent_tool_use_id").put("session_id", "");
        return List.of(send(line));
    }

    /** Pending permission requests die with the turn; Claude Code cancels them itself. */
    @Override
    public List<ProtocolOutput> interrupt() {
        if (!turnRunning) {
            return List.of();
        }
        interruptRequested = true;
        return List.of(send(JSON.objectNode().put("type", "control_request").put("request_id", "int_" + ++requestIds)
                .set("request", JSON.objectNode().put("subtype", "interrupt"))));
    }

    @Override
    public List<ProtocolOutput> replyPermission(String permissionId, String reply) {
        PendingPermission pending = pendingPermissions.remove(permissionId);
        if (pending == null) {
            throw notWaiting("permission request", permissionId);
        }
        boolean allow = !reply.equals("reject");
        if (reply.equals("always")) {
            alwaysAllowed.add(pending.toolName());
        }
        ObjectNode decision = JSON.objectNode();
        if (allow) {
            decision.put("behavior", "allow").set("updatedInput", pending.input());
        } else {
            decision.put("behavior", "deny").put("message", "The user rejected this tool use.");
        }
        String status = switch (reply) {
            case "once" -> "accept";
            case "always" -> "accept_for_session";
            default -> "reject";
        };
        return List.of(answerControl(permissionId, decision), ProtocolOutput.synthetic(
                new EventData.PermissionResolved(permissionId, pending.action(), status, null), nativeSessionId));
    }

    /**
     * AskUserQuestion: allowed, with the answers added to its input as {@code answers: {question: "a, b"}} (what
     * the tool reports back to the model). Plan approval: "approve" allows ExitPlanMode, anything else denies it.
     */
    @Override
    public List<ProtocolOutput> replyQuestion(String questionId, List<List<String>> answers) {
        PendingQuestion pending = pendingQuestions.remove(questionId);
        if (pending == null) {
            throw notWaiting("question", questionId);
        }
        String response = QuestionView.responseText(answers);
        ObjectNode decision = JSON.objectNode();
        if (pending.toolName().equals(EXIT_PLAN_MODE)) {
            boolean approved = !answers.isEmpty() && answers.get(0) != null && answers.get(0).contains(APPROVE);
            if (approved) {
                decision.put("behavior", "allow").set("updatedInput", pending.input());
            } else {
                decision.put("behavior", "deny").put("message", "The user did not approve the plan: " + response);
            }
        } else {
            ObjectNode input = pending.input().isObject() ? ((ObjectNode) pending.input()).deepCopy()
                    : JSON.objectNode();
            ObjectNode given = input.putObject("answers");
            List<QuestionView.Question> questions = pending.view().questions();
            for (int i = 0; i < questions.size() && i < answers.size(); i++) {
                given.put(questions.get(i).text(), answers.get(i) == null ? "" : String.join(", ", answers.get(i)));
            }
            decision.put("behavior", "allow").set("updatedInput", input);
        }
        return List.of(answerControl(questionId, decision), ProtocolOutput.synthetic(
                pending.view().resolved(questionId, "answered", response), nativeSessionId));
    }

    @Override
    public List<ProtocolOutput> rejectQuestion(String questionId) {
        PendingQuestion pending = pendingQuestions.remove(questionId);
        if (pending == null) {
            throw notWaiting("question", questionId);
        }
        return List.of(answerControl(questionId, JSON.objectNode().put("behavior", "deny")
                        .put("message", "The user declined to answer.")),
                ProtocolOutput.synthetic(pending.view().resolved(questionId, "rejected", null), nativeSessionId));
    }

    private static AgentReplyException notWaiting(String what, String id) {
        return new AgentReplyException(AgentReplyException.Reason.UNKNOWN_REQUEST,
                "Claude Code is not waiting for an answer to " + what + " " + id);
    }

    private static ProtocolOutput answerControl(String requestId, ObjectNode decision) {
        ObjectNode response = JSON.objectNode().put("subtype", "success").put("request_id", requestId);
        response.set("response", decision);
        return send(JSON.objectNode().put("type", "control_response").set("response", response));
    }

    private static ProtocolOutput send(JsonNode message) {
        return new ProtocolOutput.Reply(message.toString());
    }

    /** Null for a line type we do not know. */
    private List<ProtocolOutput> translate(JsonNode node) {
        String sessionId = node.path("session_id").asText("");
        if (!sessionId.isEmpty()) {
            nativeSessionId = sessionId;
        }
        return switch (node.path("type").asText()) {
            case "system" -> system(node);
            case "stream_event" -> streamEvent(node);
            case "assistant" -> assistant(node);
            case "user" -> user(node);
            case "result" -> result(node);
            case "control_response" -> controlResponse(node.path("response"));
            case "control_request" -> controlRequest(node);
            case "control_cancel_request", "rate_limit_event", "keep_alive" -> List.of();
            default -> null;
        };
    }

    /** The answer to one of our control requests: only initialize's matters (it says the start is done). */
    private List<ProtocolOutput> controlResponse(JsonNode response) {
        if (ready || !response.path("request_id").asText().equals(INIT_REQUEST)) {
            return List.of();
        }
        ready = true;
        return List.of(response.path("subtype").asText().equals("success")
                ? new ProtocolOutput.Ready(nativeSessionId)
                : new ProtocolOutput.StartFailed("failed to initialize: " + response.path("error").asText()));
    }

    /** The turn ended ({@code result} line): success, error or interrupted. */
    private List<ProtocolOutput> result(JsonNode result) {
        // Requests still open belong to this turn, which Claude Code has ended: it no longer waits for them.
        pendingPermissions.clear();
        pendingQuestions.clear();
        boolean interrupted = interruptRequested;
        interruptRequested = false;
        turnRunning = false;
        boolean error = result.path("is_error").asBoolean(false);
        List<ProtocolOutput> outputs = new ArrayList<>(2);
        String message = null;
        if (error && !interrupted) {
            message = result.path("result").asText(
                    "Claude Code reported an error (" + result.path("subtype").asText() + ")");
            outputs.add(event(result, errorOf(result, message)));
        }
        String status = interrupted ? "interrupted" : error ? "error" : "completed";
        // Claude Code's stop_reason of a failed request is left over from an earlier reply (stop_sequence): only a
        // completed turn's is its own.
        JsonNode stopReason = status.equals("completed") ? result.get("stop_reason") : null;
        outputs.add(new ProtocolOutput.TurnEnded(new EventData.TurnEnded.Metadata(status, usage(result.path("usage")),
                result.get("total_cost_usd"), result.get("num_turns"), result.get("duration_ms"), stopReason, message),
                result));
        return outputs;
    }

    /**
     * The error of a failed turn in the common vocabulary: a request the API refused ({@code api_error_status}) is
     * the provider's, anything else Claude Code's own (its result subtype, e.g. error_max_turns, is the agent code).
     */
    private static EventData.Error errorOf(JsonNode result, String message) {
        JsonNode status = result.path("api_error_status");
        if (status.canConvertToInt()) {
            return new EventData.Error(message, WireVocabulary.PROVIDER_ERROR,
                    WireVocabulary.errorDetails("api_error_" + status.asInt(), status.asInt()), null, null, null);
        }
        return new EventData.Error(message, WireVocabulary.AGENT_ERROR,
                WireVocabulary.errorDetails(result.path("subtype").asText("error"), null), null, null, null);
    }

    /**
     * The turn's usage in the common shape. Claude Code's result counts the turn's API calls (not the session's);
     * Anthropic's input_tokens leaves out what was read from or written to the cache, the common input_tokens
     * counts everything that went in.
     */
    static JsonNode usage(JsonNode usage) {
        if (!usage.isObject()) {
            return null;
        }
        Long uncached = WireVocabulary.count(usage, "input_tokens");
        Long cacheRead = WireVocabulary.count(usage, "cache_read_input_tokens");
        Long cacheWrite = WireVocabulary.count(usage, "cache_creation_input_tokens");
        Long input = uncached == null ? null : uncached + (cacheRead == null ? 0 : cacheRead)
                + (cacheWrite == null ? 0 : cacheWrite);
        return WireVocabulary.usage(input, cacheRead, cacheWrite, WireVocabulary.count(usage, "output_tokens"), null);
    }

    private List<ProtocolOutput> system(JsonNode node) {
        String subtype = node.path("subtype").asText();
        if (subtype.equals("init") || IGNORED_SYSTEM.contains(subtype)) {
            return List.of();
        }
        if (subtype.equals("api_retry")) {
            Item item = UniversalItems.status("retry_" + node.path("uuid").asText(Integer.toString(node.hashCode())),
                    "api_retry", "attempt " + node.path("attempt").asInt() + " of "
                            + node.path("max_retries").asInt() + " after " + node.path("error").asText("an error"));
            return List.of(event(node, new EventData.ItemCompleted(item)));
        }
        return null;
    }

    private List<ProtocolOutput> streamEvent(JsonNode node) {
        JsonNode event = node.path("event");
        switch (event.path("type").asText()) {
            case "message_start" -> {
                streamingMessageId = event.path("message").path("id").asText(null);
                streamedItems.clear();
                return List.of();
            }
            case "content_block_start" -> {
                JsonNode block = event.path("content_block");
                String type = block.path("type").asText();
                if (streamingMessageId == null || !(type.equals("text") || type.equals("thinking"))) {
                    return List.of(); // tool calls are reported whole, from the assistant line
                }
                String itemId = streamingMessageId + ":" + event.path("index").asInt();
                streamedItems.put(event.path("index").asInt(), itemId);
                streaming.put(itemId, new StringBuilder());
                return List.of(event(node, new EventData.ItemStarted(message(itemId, Item.Status.IN_PROGRESS, null,
                        type.equals("thinking")))));
            }
            case "content_block_delta" -> {
                String itemId = streamedItems.get(event.path("index").asInt());
                JsonNode delta = event.path("delta");
                String text = switch (delta.path("type").asText()) {
                    case "text_delta" -> delta.path("text").asText(null);
                    case "thinking_delta" -> delta.path("thinking").asText(null);
                    default -> null;
                };
                if (itemId == null || text == null || !streaming.containsKey(itemId)) {
                    return List.of();
                }
                streaming.get(itemId).append(text);
                return List.of(event(node, new EventData.ItemDelta(itemId, text)));
            }
            default -> {
                return List.of(); // content_block_stop, message_delta, message_stop: the assistant line says it all
            }
        }
    }

    private List<ProtocolOutput> assistant(JsonNode node) {
        JsonNode message = node.path("message");
        String messageId = message.path("id").asText("msg_" + node.path("uuid").asText());
        List<ProtocolOutput> events = new ArrayList<>();
        for (JsonNode block : message.path("content")) {
            int index = blocksSeen.merge(messageId, 1, Integer::sum) - 1;
            String itemId = messageId + ":" + index;
            switch (block.path("type").asText()) {
                case "text", "thinking" -> {
                    boolean thinking = block.path("type").asText().equals("thinking");
                    String text = block.path(thinking ? "thinking" : "text").asText("");
                    if (streaming.remove(itemId) == null) {
                        events.add(event(node, new EventData.ItemStarted(message(itemId, Item.Status.IN_PROGRESS,
                                null, thinking))));
                    }
                    events.add(event(node, new EventData.ItemCompleted(message(itemId, Item.Status.COMPLETED, text,
                            thinking))));
                }
                case "tool_use" -> {
                    String callId = block.path("id").asText(itemId);
                    callItems.put(callId, itemId);
                    ContentPart.FileRef change = fileChange(block.path("name").asText(), block.path("input"));
                    if (change != null) {
                        fileChanges.put(callId, change);
                    }
                    events.add(event(node, new EventData.ItemCompleted(UniversalItems.toolCall(itemId,
                            block.path("name").asText(), block.path("input").toString(), callId))));
                }
                default -> {
                    // redacted thinking, server tool blocks: nothing a client shows
                }
            }
        }
        return events;
    }

    private List<ProtocolOutput> user(JsonNode node) {
        JsonNode content = node.path("message").path("content");
        List<ProtocolOutput> events = new ArrayList<>();
        for (JsonNode block : content) {
            if (!block.path("type").asText().equals("tool_result")) {
                continue; // the user's own text (or a replay of it): the server recorded it already
            }
            String callId = block.path("tool_use_id").asText();
            String callItem = callItems.remove(callId);
            boolean failed = block.path("is_error").asBoolean();
            ContentPart.FileRef change = fileChanges.remove(callId);
            List<ContentPart> parts = new ArrayList<>();
            parts.add(new ContentPart.ToolResult(callId, text(block.path("content"))));
            if (change != null && !failed) {
                parts.add(change);
            }
            Item item = Item.of("result_" + callId, Item.Kind.TOOL_RESULT, Item.Role.TOOL,
                    failed ? Item.Status.FAILED : Item.Status.COMPLETED, parts).withParent(callItem);
            events.add(event(node, new EventData.ItemCompleted(item)));
        }
        return events;
    }

    /**
     * The file a file tool changes, as codex's apply_patch results carry theirs: Write writes a whole file, Edit and
     * MultiEdit patch one (Claude Code sends no diff, so none comes along); the path is the tool's {@code file_path}
     * (absolute: Claude Code requires it). Null for any other tool.
     */
    static ContentPart.FileRef fileChange(String tool, JsonNode input) {
        String path = input.path("file_path").asText("");
        if (path.isEmpty()) {
            return null;
        }
        return switch (tool) {
            case "Write" -> new ContentPart.FileRef(path, "write", null);
            case "Edit", "MultiEdit" -> new ContentPart.FileRef(path, "patch", null);
            default -> null;
        };
    }

    /**
     * Claude Code asks whether it may run a tool (answered at once for a tool allowed "always"), or asks the user
     * something (AskUserQuestion, plan approval: permission requests for those tools, answered like one). A control
     * request we do not serve must still be answered, or Claude Code waits.
     */
    private List<ProtocolOutput> controlRequest(JsonNode node) {
        String requestId = node.path("request_id").asText();
        JsonNode request = node.path("request");
        String subtype = request.path("subtype").asText();
        if (!subtype.equals("can_use_tool")) {
            ObjectNode response = JSON.objectNode().put("subtype", "error").put("request_id", requestId)
                    .put("error", "sandbox-agent does not handle control request '" + subtype + "'");
            return List.of(send(JSON.objectNode().put("type", "control_response").set("response", response)));
        }
        String tool = request.path("tool_name").asText("tool");
        JsonNode input = request.path("input");
        if (tool.equals(ASK_USER_QUESTION) || tool.equals(EXIT_PLAN_MODE)) {
            QuestionView view = tool.equals(ASK_USER_QUESTION) ? askUserQuestion(input) : planApproval(input);
            pendingQuestions.put(requestId, new PendingQuestion(tool, input, view));
            return List.of(event(node, view.requested(requestId)));
        }
        String action = action(tool, input);
        pendingPermissions.put(requestId, new PendingPermission(tool, input, action));
        ObjectNode metadata = JSON.objectNode();
        metadata.put("tool_name", tool).set("input", input);
        metadata.put("tool_use_id", request.path("tool_use_id").asText(null));
        List<ProtocolOutput> outputs = new ArrayList<>(3);
        outputs.add(event(node, new EventData.PermissionRequested(requestId, action, "requested", metadata)));
        if (alwaysAllowed.contains(tool)) {
            outputs.addAll(replyPermission(requestId, "always"));
        }
        return outputs;
    }

    /** AskUserQuestion's input: one to four questions, each with options (labels and descriptions). */
    static QuestionView askUserQuestion(JsonNode input) {
        List<QuestionView.Question> questions = new ArrayList<>();
        for (JsonNode q : input.path("questions")) {
            List<String> labels = new ArrayList<>();
            q.path("options").forEach(o -> labels.add(o.path("label").asText("")));
            questions.add(new QuestionView.Question(q.path("question").asText(""), q.path("header").asText(""),
                    q.path("multiSelect").asBoolean(false), labels));
        }
        return QuestionView.of(questions);
    }

    /** ExitPlanMode as one yes/no question with the plan as its text. */
    static QuestionView planApproval(JsonNode input) {
        String plan = input.path("plan").asText("");
        String prompt = plan.isBlank() ? "Approve the plan?" : "Approve this plan?\n\n" + plan;
        return QuestionView.of(List.of(new QuestionView.Question(prompt, "Plan", false, List.of(APPROVE, REJECT))));
    }

    /** What the tool wants to do, in one line: the command for Bash, the path for file tools. */
    static String action(String tool, JsonNode input) {
        for (String field : List.of("command", "file_path", "path", "url", "pattern")) {
            if (input.path(field).isTextual()) {
                return tool + ": " + input.path(field).asText();
            }
        }
        return tool;
    }

    private static String text(JsonNode content) {
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content) {
            text.append(part.path("text").asText(""));
        }
        return text.toString();
    }

    private ProtocolOutput event(JsonNode raw, EventData data) {
        return ProtocolOutput.emit(data, raw, nativeSessionId);
    }

}
