package dev.sandboxagent.agents.codex;

import static dev.sandboxagent.agents.UniversalItems.item;
import static dev.sandboxagent.agents.UniversalItems.itemData;
import static dev.sandboxagent.agents.UniversalItems.message;
import static dev.sandboxagent.schema.EventType.ERROR;
import static dev.sandboxagent.schema.EventType.ITEM_COMPLETED;
import static dev.sandboxagent.schema.EventType.ITEM_DELTA;
import static dev.sandboxagent.schema.EventType.ITEM_STARTED;
import static dev.sandboxagent.schema.EventType.PERMISSION_REQUESTED;
import static dev.sandboxagent.schema.EventType.QUESTION_REQUESTED;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sandboxagent.agents.AgentEvent;
import dev.sandboxagent.agents.JsonLine;
import dev.sandboxagent.agents.QuestionView;
import dev.sandboxagent.agents.UniversalItems;
import dev.sandboxagent.schema.EventType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Translates what {@code codex app-server} writes (JSON-RPC without the {@code "jsonrpc"} field, one object per
 * line) into universal events. Three kinds of line come out of Codex:
 * <ul>
 *   <li>answers to our requests ({@code id} and {@code result} or {@code error}), handed to the {@link Control};</li>
 *   <li>its own requests ({@code method} and {@code id}): approvals become {@code permission.requested}, the
 *       model's questions {@code question.requested}; all go to the {@link Control}, which must answer each one
 *       (those we do not serve with an error) or Codex waits forever;</li>
 *   <li>notifications ({@code method}, no {@code id}): items, deltas, the end of a turn, errors.</li>
 * </ul>
 * Never throws: a line it cannot read, or a method it has never heard of, becomes {@code agent.unparsed}; the
 * many notifications with no universal meaning (rate limits, status changes, warnings) are dropped on purpose.
 * One instance per process, fed by its one reader thread.
 */
final class CodexProtocol {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /**
     * Notifications of 0.169 that carry nothing a client of ours shows: bookkeeping, account and UI state, and
     * progress that the matching item/completed repeats in full. Everything else unknown is reported unparsed,
     * so a protocol change shows up instead of vanishing.
     */
    private static final Set<String> IGNORED = Set.of("thread/started", "thread/status/changed",
            "thread/readState/changed", "thread/name/updated", "thread/settings/updated", "thread/closed",
            "thread/archived", "thread/unarchived", "thread/compacted", "thread/queue/changed",
            "thread/section/changed", "thread/goal/updated", "thread/goal/cleared", "thread/prediction/updated",
            "thread/environment/connected", "thread/environment/disconnected", "thread/attachment/updated",
            "thread/project/updated", "project/changed", "skills/changed", "hook/started", "hook/completed",
            "turn/diff/updated", "turn/plan/updated", "turn/moderationMetadata", "item/plan/delta",
            "item/commandExecution/outputDelta", "item/commandExecution/terminalInteraction",
            "item/fileChange/outputDelta", "item/fileChange/patchUpdated", "item/reasoning/summaryPartAdded",
            "item/mcpToolCall/progress", "item/autoApprovalReview/started", "item/autoApprovalReview/completed",
            "serverRequest/resolved", "rawResponseItem/completed", "rawResponse/completed",
            "account/updated", "account/rateLimits/updated", "account/login/completed",
            "account/gatewayOAuth/changed", "app/list/updated", "remoteControl/status/changed",
            "mcpServer/startupStatus/updated", "mcpServer/oauthLogin/completed", "fs/changed",
            "configWarning", "deprecationNotice", "model/rerouted", "model/verification",
            "model/safetyBuffering/updated", "modelProvider/authRecoveryStarted",
            "modelProvider/authRecoveryCompleted", "command/exec/outputDelta", "process/outputDelta",
            "process/exited");

    /** What the protocol cannot decide alone: the process owns the JSON-RPC conversation and the turn ids. */
    interface Control {
        /** Codex answered our request {@code id}: {@code error} is null on success. */
        void response(long id, JsonNode result, JsonNode error);

        /** Codex asks for approval; the answer goes back as the result of request {@code requestId}. */
        void approval(JsonNode requestId, String action);

        /**
         * Codex asks the user (its request_user_input tool); the answers go back as the result of request
         * {@code requestId}, keyed by Codex's question ids ({@code questionIds}, in the order of the view's
         * questions).
         */
        void question(JsonNode requestId, List<String> questionIds, QuestionView view);

        /** A server request we do not serve: it must still be answered (with an error), or Codex waits. */
        void unsupported(JsonNode requestId, String method);

        /** Codex started a turn of its own id (the one turn/interrupt needs). */
        void turnStarted(String nativeTurnId);

        /**
         * The turn ended ({@code turn.status} is completed, interrupted or failed): the {@code turn.ended} event
         * to emit, or null when it was no turn of ours. Returned rather than emitted, to keep the order.
         */
        AgentEvent turnCompleted(JsonNode turn, JsonNode usage, JsonNode raw);
    }

    private final Control control;
    private volatile String nativeSessionId;
    /** Tool items whose tool_call event went out already (started, or completed without a start). */
    private final Set<String> announcedCalls = new HashSet<>();
    /** fileChange item id -> its paths, for the approval's action line. */
    private final Map<String, String> changedPaths = new HashMap<>();
    /** Messages started and not completed yet: item id -> text streamed so far, in start order. */
    private final Map<String, OpenMessage> openMessages = new LinkedHashMap<>();
    /** The latest token usage of a turn (by Codex's turn id): turn/completed carries none. */
    private JsonNode usage;
    private String usageTurnId;

    private record OpenMessage(boolean reasoning, StringBuilder text) {
    }

    CodexProtocol(Control control, String nativeSessionId) {
        this.control = control;
        this.nativeSessionId = nativeSessionId;
    }

    String nativeSessionId() {
        return nativeSessionId;
    }

    void nativeSessionId(String id) {
        this.nativeSessionId = id;
    }

    /** The events one output line stands for (often none: answers, bookkeeping notifications). */
    List<AgentEvent> parse(String line) {
        JsonLine read = JsonLine.read(line);
        if (read.object() == null) {
            return read.isNoise() ? List.of() : List.of(unparsed(line, read.problem()));
        }
        ObjectNode node = read.object();
        try {
            List<AgentEvent> events = translate(node);
            return events == null ? List.of(unparsed(line, "unknown message " + describe(node))) : events;
        } catch (RuntimeException e) {
            return List.of(unparsed(line, "unexpected " + e.getClass().getSimpleName() + " reading "
                    + describe(node)));
        }
    }

    AgentEvent unparsed(String line, String reason) {
        return UniversalItems.unparsed("Codex", line, reason, nativeSessionId);
    }

    private static String describe(JsonNode node) {
        return node.hasNonNull("method") ? "'" + node.path("method").asText() + "'" : "without a method";
    }

    /** Null for a message we do not know. */
    private List<AgentEvent> translate(JsonNode node) {
        JsonNode id = node.get("id");
        if (!node.hasNonNull("method")) {
            if (id == null || !id.canConvertToLong() || !(node.has("result") || node.has("error"))) {
                return null;
            }
            control.response(id.asLong(), node.get("result"), node.get("error"));
            return List.of();
        }
        if (!node.path("method").isTextual()) {
            return null;
        }
        String method = node.path("method").asText();
        JsonNode params = node.path("params");
        if (id != null && !id.isNull()) {
            return serverRequest(node, id, method, params);
        }
        return switch (method) {
            case "turn/started" -> {
                control.turnStarted(params.path("turn").path("id").asText(null));
                yield List.of();
            }
            case "item/started" -> itemStarted(node, params.path("item"));
            case "item/completed" -> itemCompleted(node, params.path("item"));
            case "item/agentMessage/delta", "item/reasoning/summaryTextDelta", "item/reasoning/textDelta" ->
                    delta(node, params);
            case "thread/tokenUsage/updated" -> {
                usage = params.path("tokenUsage").path("last");
                usageTurnId = params.path("turnId").asText(null);
                yield List.of();
            }
            case "turn/completed" -> turnCompleted(node, params.path("turn"));
            case "error" -> List.of(error(node, params));
            case "warning", "guardianWarning" -> List.of(status(node, method, params.path("message")
                    .asText(params.path("summary").asText(params.toString()))));
            default -> IGNORED.contains(method) ? List.of() : null;
        };
    }

    /**
     * Closes what the turn left open (an interrupt cuts a streamed message short, and Codex then never completes
     * it), so no client waits for an item forever; then the turn ends.
     */
    private List<AgentEvent> turnCompleted(JsonNode raw, JsonNode turn) {
        List<AgentEvent> events = new ArrayList<>();
        String status = turn.path("status").asText().equals("completed") ? "completed" : "failed";
        openMessages.forEach((id, open) -> events.add(event(raw, ITEM_COMPLETED, itemData(message(id, status,
                open.text().toString(), open.reasoning())))));
        openMessages.clear();
        announcedCalls.clear();
        changedPaths.clear();
        // Codex repeats the previous usage when a turn starts, so only a completed turn's usage is its own.
        boolean ours = status.equals("completed") && usageTurnId != null
                && usageTurnId.equals(turn.path("id").asText());
        AgentEvent ended = control.turnCompleted(turn, ours ? usage : null, raw);
        if (ended != null) {
            events.add(ended);
        }
        usage = null;
        usageTurnId = null;
        return events;
    }

    private List<AgentEvent> serverRequest(JsonNode node, JsonNode id, String method, JsonNode params) {
        if (method.equals("item/tool/requestUserInput")) {
            return userInput(node, id, method, params);
        }
        String action = switch (method) {
            case "item/commandExecution/requestApproval" -> params.path("command").asText("a command");
            case "item/fileChange/requestApproval" -> "file change: " + changedPaths.getOrDefault(
                    params.path("itemId").asText(), params.path("grantRoot").asText("files"));
            default -> null;
        };
        if (action == null) {
            control.unsupported(id, method);
            return List.of();
        }
        control.approval(id, action);
        ObjectNode data = JSON.objectNode().put("permission_id", id.asText()).put("action", action)
                .put("status", "requested");
        ObjectNode metadata = data.putObject("metadata");
        metadata.put("method", method).put("item_id", params.path("itemId").asText(null));
        for (String field : List.of("reason", "cwd")) {
            if (params.hasNonNull(field)) {
                metadata.set(field, params.get(field));
            }
        }
        return List.of(event(node, PERMISSION_REQUESTED, data));
    }

    /**
     * request_user_input: one to three questions, each with an id (the key of its answer), a header, the text and
     * options (labels with descriptions; Codex itself sets {@code isOther}, so a free-text answer is welcome too).
     * A request we cannot read is answered with an error at once, which Codex hands the model as "no answers",
     * and reported unparsed: a question nobody can see must not hold the turn.
     */
    private List<AgentEvent> userInput(JsonNode node, JsonNode id, String method, JsonNode params) {
        List<String> ids = new ArrayList<>();
        List<QuestionView.Question> questions = new ArrayList<>();
        for (JsonNode q : params.path("questions")) {
            String questionId = q.path("id").isTextual() ? q.path("id").asText() : "";
            JsonNode options = q.path("options");
            boolean readable = !questionId.isBlank() && !ids.contains(questionId) && q.path("question").isTextual()
                    && (options.isArray() || options.isMissingNode() || options.isNull());
            List<String> labels = new ArrayList<>();
            for (JsonNode option : options) {
                readable = readable && option.path("label").isTextual();
                labels.add(option.path("label").asText(""));
            }
            if (!readable) {
                questions.clear();
                break;
            }
            ids.add(questionId);
            questions.add(new QuestionView.Question(q.path("question").asText(), q.path("header").asText(""), false,
                    labels));
        }
        if (questions.isEmpty()) {
            control.unsupported(id, method);
            return List.of(unparsed(node.toString(), "a " + method + " request without readable questions"));
        }
        QuestionView view = QuestionView.of(questions);
        control.question(id, List.copyOf(ids), view);
        return List.of(event(node, QUESTION_REQUESTED, view.data(id.asText(), "requested", null)));
    }

    private List<AgentEvent> itemStarted(JsonNode raw, JsonNode item) {
        String id = item.path("id").asText();
        return switch (item.path("type").asText()) {
            case "agentMessage", "reasoning" -> {
                boolean reasoning = item.path("type").asText().equals("reasoning");
                openMessages.put(id, new OpenMessage(reasoning, new StringBuilder()));
                yield List.of(event(raw, ITEM_STARTED, itemData(message(id, "in_progress", null, reasoning))));
            }
            case "commandExecution", "fileChange", "mcpToolCall", "dynamicToolCall", "webSearch" -> {
                if (item.path("type").asText().equals("fileChange")) {
                    changedPaths.put(id, paths(item));
                }
                yield toolCall(raw, item);
            }
            default -> List.of(); // the user's own message (recorded by the server already), plans, compaction
        };
    }

    private List<AgentEvent> itemCompleted(JsonNode raw, JsonNode item) {
        String id = item.path("id").asText();
        String type = item.path("type").asText();
        switch (type) {
            case "agentMessage" -> {
                openMessages.remove(id);
                return List.of(event(raw, ITEM_COMPLETED, itemData(message(id, "completed",
                        item.path("text").asText(""), false))));
            }
            case "reasoning" -> {
                openMessages.remove(id);
                List<String> parts = new ArrayList<>();
                item.path("summary").forEach(s -> parts.add(s.asText()));
                item.path("content").forEach(s -> parts.add(s.asText()));
                return List.of(event(raw, ITEM_COMPLETED, itemData(message(id, "completed",
                        String.join("\n", parts), true))));
            }
            case "commandExecution", "fileChange", "mcpToolCall", "dynamicToolCall", "webSearch" -> {
                List<AgentEvent> events = new ArrayList<>(toolCall(raw, item));
                changedPaths.remove(id);
                announcedCalls.remove(id);
                events.add(event(raw, ITEM_COMPLETED, itemData(toolResult(item))));
                return events;
            }
            case "error" -> {
                return List.of(event(raw, ERROR, JSON.objectNode().put("message", item.path("message").asText())
                        .put("code", "codex_error")));
            }
            default -> {
                return List.of();
            }
        }
    }

    /** The tool_call item, once per call: Codex reports a call's whole input when it starts. */
    private List<AgentEvent> toolCall(JsonNode raw, JsonNode item) {
        String id = item.path("id").asText();
        if (!announcedCalls.add(id)) {
            return List.of();
        }
        ObjectNode arguments = JSON.objectNode();
        String name;
        switch (item.path("type").asText()) {
            case "commandExecution" -> {
                name = "shell";
                arguments.put("command", item.path("command").asText()).put("cwd", item.path("cwd").asText());
            }
            case "fileChange" -> {
                name = "apply_patch";
                ArrayNode changes = arguments.putArray("changes");
                for (JsonNode change : item.path("changes")) {
                    changes.addObject().put("path", change.path("path").asText())
                            .put("kind", change.path("kind").path("type").asText(change.path("kind").asText()));
                }
            }
            case "mcpToolCall" -> {
                name = item.path("server").asText() + "." + item.path("tool").asText();
                arguments.set("arguments", item.path("arguments"));
            }
            case "dynamicToolCall" -> {
                name = item.path("tool").asText();
                arguments.set("arguments", item.path("arguments"));
            }
            default -> {
                name = "web_search";
                arguments.put("query", item.path("query").asText(""));
            }
        }
        ObjectNode call = item(id, "tool_call", "assistant", "completed");
        call.withArray("content").addObject().put("type", "tool_call").put("name", name)
                .put("arguments", arguments.toString()).put("call_id", id);
        return List.of(event(raw, ITEM_COMPLETED, itemData(call)));
    }

    private static ObjectNode toolResult(JsonNode item) {
        String id = item.path("id").asText();
        String status = item.path("status").asText();
        boolean ok = status.equals("completed");
        String type = item.path("type").asText();
        if (type.equals("commandExecution") && item.path("exitCode").canConvertToInt()) {
            ok = ok && item.path("exitCode").asInt() == 0;
        }
        ObjectNode result = item("result_" + id, "tool_result", "tool", ok ? "completed" : "failed");
        result.put("parent_id", id);
        ArrayNode content = result.withArray("content");
        ObjectNode part = content.addObject().put("type", "tool_result").put("call_id", id);
        switch (type) {
            case "commandExecution" -> {
                part.put("output", item.path("aggregatedOutput").asText(""));
                if (item.path("exitCode").canConvertToInt()) {
                    part.put("exit_code", item.path("exitCode").asInt());
                }
            }
            case "fileChange" -> {
                part.put("output", status);
                for (JsonNode change : item.path("changes")) {
                    ObjectNode ref = content.addObject().put("type", "file_ref")
                            .put("path", change.path("path").asText())
                            .put("action", fileAction(change.path("kind").path("type")
                                    .asText(change.path("kind").asText())));
                    if (change.hasNonNull("diff")) {
                        ref.put("diff", change.path("diff").asText());
                    }
                }
            }
            case "mcpToolCall" -> part.put("output", item.hasNonNull("error") ? item.path("error").toString()
                    : item.path("result").toString());
            case "dynamicToolCall" -> part.put("output", item.path("contentItems").toString());
            default -> part.put("output", status);
        }
        if (!ok) {
            part.put("status", status);
        }
        return result;
    }

    /**
     * A file_ref's action in the anchor's vocabulary ({@code read | write | patch}), which clients of the anchor
     * switch on. Codex says add, update or delete: an update is applied as a patch (its diff comes along); an added
     * or deleted file is written as a whole. Codex's own kind stays in the tool_call's arguments.
     */
    static String fileAction(String codexKind) {
        return codexKind.equals("update") ? "patch" : "write";
    }

    private List<AgentEvent> delta(JsonNode raw, JsonNode params) {
        String itemId = params.path("itemId").asText(null);
        String delta = params.path("delta").asText(null);
        if (itemId == null || delta == null) {
            return null;
        }
        OpenMessage open = openMessages.get(itemId);
        if (open != null) {
            open.text().append(delta);
        }
        return List.of(event(raw, ITEM_DELTA, JSON.objectNode().put("item_id", itemId).put("delta", delta)));
    }

    private AgentEvent error(JsonNode raw, JsonNode params) {
        JsonNode error = params.path("error");
        ObjectNode data = JSON.objectNode().put("message", error.path("message").asText("Codex reported an error"))
                .put("code", "codex_error");
        if (error.hasNonNull("codexErrorInfo")) {
            data.set("details", error.get("codexErrorInfo"));
        }
        data.put("will_retry", params.path("willRetry").asBoolean(false));
        return event(raw, ERROR, data);
    }

    private AgentEvent status(JsonNode raw, String label, String detail) {
        ObjectNode item = item("status_" + UniversalItems.sha256(raw.toString()).substring(0, 16), "status", "system",
                "completed");
        item.withArray("content").addObject().put("type", "status").put("label", label).put("detail", detail);
        return event(raw, ITEM_COMPLETED, itemData(item));
    }

    private static String paths(JsonNode fileChange) {
        List<String> paths = new ArrayList<>();
        fileChange.path("changes").forEach(c -> paths.add(c.path("path").asText()));
        return paths.isEmpty() ? "files" : String.join(", ", paths);
    }

    private AgentEvent event(JsonNode raw, EventType type, ObjectNode data) {
        return new AgentEvent(type, data, raw, nativeSessionId, false);
    }

}
