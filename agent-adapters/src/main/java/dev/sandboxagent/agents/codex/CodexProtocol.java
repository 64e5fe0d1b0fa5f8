package dev.sandboxagent.agents.codex;

import static dev.sandboxagent.agents.UniversalItems.message;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
import dev.sandboxagent.schema.EventType;
import dev.sandboxagent.schema.Item;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON-RPC conversation with {@code codex app-server} (without the {@code "jsonrpc"} field, one object per
 * line), both ways. The handshake is {@code initialize}, {@code initialized}, then the thread ({@code thread/start},
 * or {@code thread/resume} after a restart), whose answer gives the id a later process resumes with; a turn is one
 * {@code turn/start} and, eventually, one {@code turn/completed}. Three kinds of line come out of Codex:
 * <ul>
 *   <li>answers to our requests ({@code id} and {@code result} or {@code error});</li>
 *   <li>its own requests ({@code method} and {@code id}): approvals become {@code permission.requested}, the
 *       model's questions {@code question.requested}, answered when the session core replies; those we do not
 *       serve are answered at once with an error, or Codex would wait forever;</li>
 *   <li>notifications ({@code method}, no {@code id}): items, deltas, the end of a turn, errors.</li>
 * </ul>
 * Never throws on output: a line it cannot read, or a method it has never heard of, becomes {@code agent.unparsed};
 * the many notifications with no universal meaning (rate limits, status changes, warnings) are dropped on purpose.
 * Nothing of a session happens before the thread is open: events before that are dropped, unparsed lines aside.
 * Pure: one instance per process, called under the launcher's lock.
 */
final class CodexProtocol implements AgentProtocol {
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

    /** How the thread is opened: {@code thread/start} or {@code thread/resume}, with their params. */
    record ThreadRequest(String method, ObjectNode params) {
    }

    private final ThreadRequest thread;
    private String nativeSessionId;
    /** True once the thread is open: the start is done. */
    private boolean opened;
    private long requestIds;
    /** Our requests waiting for Codex's answer: id -> the method, and for turn/start the turn it started. */
    private final Map<Long, Call> calls = new HashMap<>();
    /** Approval requests Codex waits on: permission id -> the JSON-RPC id and what it is about. */
    private final Map<String, PendingPermission> pendingPermissions = new HashMap<>();
    /** request_user_input requests Codex waits on: question id -> the JSON-RPC id and what was asked. */
    private final Map<String, PendingQuestion> pendingQuestions = new HashMap<>();
    /** Whether a turn we gave runs (and which, by count), Codex's id for it, and whether we asked it to stop. */
    private boolean turnRunning;
    private long turns;
    private String nativeTurnId;
    private boolean interruptRequested;

    private record Call(String method, long turn) {
    }

    private record PendingPermission(JsonNode requestId, String action) {
    }

    private record PendingQuestion(JsonNode requestId, List<String> questionIds, QuestionView view) {
    }
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

    CodexProtocol(ThreadRequest thread) {
        this.thread = thread;
    }

    @Override
    public String nativeSessionId() {
        return nativeSessionId;
    }

    @Override
    public List<ProtocolOutput> open() {
        ObjectNode init = JSON.objectNode();
        init.putObject("clientInfo").put("name", "sandbox-agent").put("title", "sandbox-agent")
                .put("version", "0.1.0");
        init.putObject("capabilities").put("experimentalApi", false);
        return List.of(call("initialize", init));
    }

    /** What one output line stands for (often nothing: answers, bookkeeping notifications). */
    @Override
    public List<ProtocolOutput> onLine(String line) {
        List<ProtocolOutput> outputs = parse(line);
        if (opened || outputs.isEmpty()) {
            return outputs;
        }
        // Before the thread is open, lines are no session's: only what cannot be read is worth reporting.
        return outputs.stream().filter(o -> !(o instanceof ProtocolOutput.Emit emit)
                || emit.event().is(EventType.AGENT_UNPARSED)).toList();
    }

    private List<ProtocolOutput> parse(String line) {
        JsonLine read = JsonLine.read(line);
        if (read.object() == null) {
            return read.isNoise() ? List.of() : List.of(new ProtocolOutput.Emit(unparsed(line, read.problem())));
        }
        ObjectNode node = read.object();
        try {
            List<ProtocolOutput> outputs = translate(node);
            return outputs == null ? List.of(new ProtocolOutput.Emit(unparsed(line, "unknown message "
                    + describe(node)))) : outputs;
        } catch (RuntimeException e) {
            return List.of(new ProtocolOutput.Emit(unparsed(line, "unexpected " + e.getClass().getSimpleName()
                    + " reading " + describe(node))));
        }
    }

    @Override
    public List<ProtocolOutput> startTurn(String turnId, String message) {
        turnRunning = true;
        turns++;
        nativeTurnId = null;
        interruptRequested = false;
        ObjectNode params = JSON.objectNode().put("threadId", nativeSessionId);
        params.putArray("input").addObject().put("type", "text").put("text", message).putArray("text_elements");
        return List.of(call("turn/start", params));
    }

    /** Sent at once when Codex told the turn's id, else as soon as it does. */
    @Override
    public List<ProtocolOutput> interrupt() {
        if (!turnRunning) {
            return List.of();
        }
        interruptRequested = true;
        return nativeTurnId != null ? List.of(interruptCall()) : List.of();
    }

    private ProtocolOutput interruptCall() {
        return call("turn/interrupt", JSON.objectNode().put("threadId", nativeSessionId).put("turnId", nativeTurnId));
    }

    @Override
    public List<ProtocolOutput> replyPermission(String permissionId, String reply) {
        PendingPermission pending = pendingPermissions.remove(permissionId);
        if (pending == null) {
            throw notWaiting("approval request", permissionId);
        }
        String decision;
        String status;
        switch (reply) {
            case "once" -> {
                decision = "accept";
                status = "accept";
            }
            case "always" -> {
                decision = "acceptForSession";
                status = "accept_for_session";
            }
            default -> {
                decision = "decline";
                status = "reject";
            }
        }
        ObjectNode answer = JSON.objectNode().set("id", pending.requestId());
        answer.putObject("result").put("decision", decision);
        return List.of(send(answer), ProtocolOutput.synthetic(new EventData.PermissionResolved(permissionId,
                pending.action(), status, null), nativeSessionId));
    }

    /**
     * The result request_user_input waits for: {@code {"answers": {<question id>: {"answers": [...]}}}}, answer i
     * for question i. Codex passes it to the model as the tool's output, as it is.
     */
    @Override
    public List<ProtocolOutput> replyQuestion(String questionId, List<List<String>> answers) {
        PendingQuestion pending = pendingQuestions.remove(questionId);
        if (pending == null) {
            throw notWaiting("question", questionId);
        }
        List<List<String>> given = answers == null ? List.of() : answers;
        ObjectNode answer = JSON.objectNode().set("id", pending.requestId());
        ObjectNode byId = answer.putObject("result").putObject("answers");
        for (int i = 0; i < pending.questionIds().size() && i < given.size(); i++) {
            ArrayNode texts = byId.putObject(pending.questionIds().get(i)).putArray("answers");
            if (given.get(i) != null) {
                given.get(i).forEach(texts::add);
            }
        }
        return List.of(send(answer), ProtocolOutput.synthetic(pending.view().resolved(questionId, "answered",
                QuestionView.responseText(given)), nativeSessionId));
    }

    /**
     * No answers at all: Codex's own way of saying the user gave none (an error answer reaches the model the same
     * way), and its instructions tell the model to carry on with its best judgment rather than ask again.
     */
    @Override
    public List<ProtocolOutput> rejectQuestion(String questionId) {
        PendingQuestion pending = pendingQuestions.remove(questionId);
        if (pending == null) {
            throw notWaiting("question", questionId);
        }
        ObjectNode answer = JSON.objectNode().set("id", pending.requestId());
        answer.putObject("result").putObject("answers");
        return List.of(send(answer), ProtocolOutput.synthetic(pending.view().resolved(questionId, "rejected", null),
                nativeSessionId));
    }

    private static AgentReplyException notWaiting(String what, String id) {
        return new AgentReplyException(AgentReplyException.Reason.UNKNOWN_REQUEST,
                "Codex is not waiting for an answer to " + what + " " + id);
    }

    private ProtocolOutput call(String method, ObjectNode params) {
        long id = ++requestIds;
        calls.put(id, new Call(method, turns));
        ObjectNode request = JSON.objectNode().put("method", method).put("id", id);
        request.set("params", params);
        return send(request);
    }

    private static ProtocolOutput send(JsonNode message) {
        return new ProtocolOutput.Reply(message.toString());
    }

    /** Codex answered our request {@code id}: {@code error} is null on success. */
    private List<ProtocolOutput> response(long id, JsonNode result, JsonNode error) {
        Call call = calls.remove(id);
        if (call == null) {
            return List.of();
        }
        boolean failed = error != null && !error.isNull();
        String problem = failed ? error.path("message").asText(error.toString()) : null;
        JsonNode answer = result == null ? JSON.nullNode() : result;
        switch (call.method()) {
            case "initialize" -> {
                if (failed) {
                    return List.of(new ProtocolOutput.StartFailed("refused initialize: " + problem));
                }
                return List.of(send(JSON.objectNode().put("method", "initialized")),
                        call(thread.method(), thread.params()));
            }
            case "turn/start" -> {
                if (!failed) {
                    return turnStarted(answer.path("turn").path("id").asText(null));
                }
                if (call.turn() != turns || !turnRunning) {
                    return List.of();
                }
                // Codex refused the turn: no turn/completed will come, so end it here.
                List<ProtocolOutput> outputs = new ArrayList<>();
                outputs.add(ProtocolOutput.synthetic(new EventData.Error("Codex did not start the turn: " + problem,
                        WireVocabulary.AGENT_ERROR, WireVocabulary.errorDetails("turn_start_refused", null), null,
                        null, null), nativeSessionId));
                outputs.add(endTurn(EventData.TurnEnded.Metadata.of("error"), null));
                return outputs;
            }
            case "turn/interrupt" -> {
                return List.of();
            }
            default -> { // the thread
                if (opened) {
                    return List.of();
                }
                if (failed) {
                    return List.of(new ProtocolOutput.StartFailed("refused " + call.method() + ": " + problem));
                }
                String threadId = answer.path("thread").path("id").asText(null);
                if (threadId == null) {
                    return List.of(new ProtocolOutput.StartFailed("answered " + call.method()
                            + " without a thread id"));
                }
                nativeSessionId = threadId;
                opened = true;
                return List.of(new ProtocolOutput.Ready(threadId));
            }
        }
    }

    /** Codex started a turn of its own id (the one turn/interrupt needs). */
    private List<ProtocolOutput> turnStarted(String id) {
        if (id != null && turnRunning && nativeTurnId == null) {
            nativeTurnId = id;
            if (interruptRequested) {
                return List.of(interruptCall());
            }
        }
        return List.of();
    }

    /** A server request we do not serve: it must still be answered (with an error), or Codex waits. */
    private static ProtocolOutput unsupported(JsonNode requestId, String method) {
        ObjectNode answer = JSON.objectNode().set("id", requestId);
        answer.putObject("error").put("code", -32601).put("message", "sandbox-agent does not handle " + method);
        return send(answer);
    }

    /** Forgets the turn and ends it (the launcher labels the end, or drops it when no turn of ours ran). */
    private ProtocolOutput endTurn(EventData.TurnEnded.Metadata metadata, JsonNode raw) {
        turnRunning = false;
        nativeTurnId = null;
        interruptRequested = false;
        pendingPermissions.clear(); // Codex drops the turn's open approvals and questions with it
        pendingQuestions.clear();
        return new ProtocolOutput.TurnEnded(metadata, raw);
    }

    AgentEvent unparsed(String line, String reason) {
        return UniversalItems.unparsed("Codex", line, reason, nativeSessionId);
    }

    private static String describe(JsonNode node) {
        return node.hasNonNull("method") ? "'" + node.path("method").asText() + "'" : "without a method";
    }

    /** Null for a message we do not know. */
    private List<ProtocolOutput> translate(JsonNode node) {
        JsonNode id = node.get("id");
        if (!node.hasNonNull("method")) {
            if (id == null || !id.canConvertToLong() || !(node.has("result") || node.has("error"))) {
                return null;
            }
            return response(id.asLong(), node.get("result"), node.get("error"));
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
            case "turn/started" -> turnStarted(params.path("turn").path("id").asText(null));
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
    private List<ProtocolOutput> turnCompleted(JsonNode raw, JsonNode turn) {
        List<ProtocolOutput> events = new ArrayList<>();
        boolean completed = turn.path("status").asText().equals("completed");
        // A message cut short by an interrupt is what the agent said (Codex keeps it in the thread), as Claude
        // Code's is: completed. Only a turn that failed leaves its open messages failed.
        Item.Status itemStatus = completed || interruptRequested || turn.path("status").asText().equals("interrupted")
                ? Item.Status.COMPLETED : Item.Status.FAILED;
        openMessages.forEach((id, open) -> events.add(event(raw, new EventData.ItemCompleted(message(id, itemStatus,
                open.text().toString(), open.reasoning())))));
        openMessages.clear();
        announcedCalls.clear();
        changedPaths.clear();
        // Codex repeats the previous usage when a turn starts, so only a completed turn's usage is its own.
        boolean ours = completed && usageTurnId != null
                && usageTurnId.equals(turn.path("id").asText());
        JsonNode turnUsage = ours ? usage : null;
        usage = null;
        usageTurnId = null;
        // One vocabulary for every agent (completed | interrupted | error): Codex's "failed" is our "error".
        String status = turn.path("status").asText("completed");
        if (!List.of("completed", "interrupted").contains(status)) {
            status = "error";
        }
        if (interruptRequested && !status.equals("completed")) {
            status = "interrupted";
        }
        String error = turn.hasNonNull("error")
                ? providerMessage(turn.path("error").path("message").asText(turn.get("error").toString())) : null;
        events.add(endTurn(new EventData.TurnEnded.Metadata(status,
                turnUsage == null || !turnUsage.isObject() ? null : usage(turnUsage), null, null,
                turn.hasNonNull("durationMs") ? turn.get("durationMs") : null, null, error), raw));
        return events;
    }

    private List<ProtocolOutput> serverRequest(JsonNode node, JsonNode id, String method, JsonNode params) {
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
            return List.of(unsupported(id, method));
        }
        pendingPermissions.put(id.asText(), new PendingPermission(id, action));
        ObjectNode metadata = JSON.objectNode();
        metadata.put("method", method).put("item_id", params.path("itemId").asText(null));
        for (String field : List.of("reason", "cwd")) {
            if (params.hasNonNull(field)) {
                metadata.set(field, params.get(field));
            }
        }
        return List.of(event(node, new EventData.PermissionRequested(id.asText(), action, "requested", metadata)));
    }

    /**
     * request_user_input: one to three questions, each with an id (the key of its answer), a header, the text and
     * options (labels with descriptions; Codex itself sets {@code isOther}, so a free-text answer is welcome too).
     * A request we cannot read is answered with an error at once, which Codex hands the model as "no answers",
     * and reported unparsed: a question nobody can see must not hold the turn.
     */
    private List<ProtocolOutput> userInput(JsonNode node, JsonNode id, String method, JsonNode params) {
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
            return List.of(unsupported(id, method), new ProtocolOutput.Emit(unparsed(node.toString(),
                    "a " + method + " request without readable questions")));
        }
        QuestionView view = QuestionView.of(questions);
        pendingQuestions.put(id.asText(), new PendingQuestion(id, List.copyOf(ids), view));
        return List.of(event(node, view.requested(id.asText())));
    }

    private List<ProtocolOutput> itemStarted(JsonNode raw, JsonNode item) {
        String id = item.path("id").asText();
        return switch (item.path("type").asText()) {
            case "agentMessage", "reasoning" -> {
                boolean reasoning = item.path("type").asText().equals("reasoning");
                openMessages.put(id, new OpenMessage(reasoning, new StringBuilder()));
                yield List.of(event(raw, new EventData.ItemStarted(message(id, Item.Status.IN_PROGRESS, null,
                        reasoning))));
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

    private List<ProtocolOutput> itemCompleted(JsonNode raw, JsonNode item) {
        String id = item.path("id").asText();
        String type = item.path("type").asText();
        switch (type) {
            case "agentMessage" -> {
                openMessages.remove(id);
                return List.of(event(raw, new EventData.ItemCompleted(message(id, Item.Status.COMPLETED,
                        item.path("text").asText(""), false))));
            }
            case "reasoning" -> {
                openMessages.remove(id);
                List<String> parts = new ArrayList<>();
                item.path("summary").forEach(s -> parts.add(s.asText()));
                item.path("content").forEach(s -> parts.add(s.asText()));
                return List.of(event(raw, new EventData.ItemCompleted(message(id, Item.Status.COMPLETED,
                        String.join("\n", parts), true))));
            }
            case "commandExecution", "fileChange", "mcpToolCall", "dynamicToolCall", "webSearch" -> {
                List<ProtocolOutput> events = new ArrayList<>(toolCall(raw, item));
                changedPaths.remove(id);
                announcedCalls.remove(id);
                events.add(event(raw, new EventData.ItemCompleted(toolResult(item))));
                return events;
            }
            case "error" -> {
                return List.of(event(raw, new EventData.Error(item.path("message").asText(),
                        WireVocabulary.AGENT_ERROR, WireVocabulary.errorDetails("error_item", null), null, null,
                        null)));
            }
            default -> {
                return List.of();
            }
        }
    }

    /** The tool_call item, once per call: Codex reports a call's whole input when it starts. */
    private List<ProtocolOutput> toolCall(JsonNode raw, JsonNode item) {
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
        return List.of(event(raw, new EventData.ItemCompleted(UniversalItems.toolCall(id, name, arguments.toString(),
                id))));
    }

    private static Item toolResult(JsonNode item) {
        String id = item.path("id").asText();
        String status = item.path("status").asText();
        boolean ok = status.equals("completed");
        String type = item.path("type").asText();
        if (type.equals("commandExecution") && item.path("exitCode").canConvertToInt()) {
            ok = ok && item.path("exitCode").asInt() == 0;
        }
        String output;
        Integer exitCode = null;
        List<ContentPart> refs = new ArrayList<>();
        switch (type) {
            case "commandExecution" -> {
                output = item.path("aggregatedOutput").asText("");
                if (item.path("exitCode").canConvertToInt()) {
                    exitCode = item.path("exitCode").asInt();
                }
            }
            case "fileChange" -> {
                output = status;
                for (JsonNode change : item.path("changes")) {
                    refs.add(new ContentPart.FileRef(change.path("path").asText(), fileAction(change.path("kind")
                            .path("type").asText(change.path("kind").asText())),
                            change.hasNonNull("diff") ? change.path("diff").asText() : null));
                }
            }
            case "mcpToolCall" -> output = item.hasNonNull("error") ? item.path("error").toString()
                    : item.path("result").toString();
            case "dynamicToolCall" -> output = item.path("contentItems").toString();
            default -> output = status;
        }
        List<ContentPart> content = new ArrayList<>();
        content.add(new ContentPart.ToolResult(id, output, exitCode, ok ? null : status));
        content.addAll(refs);
        return Item.of("result_" + id, Item.Kind.TOOL_RESULT, Item.Role.TOOL,
                ok ? Item.Status.COMPLETED : Item.Status.FAILED, content).withParent(id);
    }

    /**
     * A file_ref's action in the anchor's vocabulary ({@code read | write | patch}), which clients of the anchor
     * switch on. Codex says add, update or delete: an update is applied as a patch (its diff comes along); an added
     * or deleted file is written as a whole. Codex's own kind stays in the tool_call's arguments.
     */
    static String fileAction(String codexKind) {
        return codexKind.equals("update") ? "patch" : "write";
    }

    private List<ProtocolOutput> delta(JsonNode raw, JsonNode params) {
        String itemId = params.path("itemId").asText(null);
        String delta = params.path("delta").asText(null);
        if (itemId == null || delta == null) {
            return null;
        }
        OpenMessage open = openMessages.get(itemId);
        if (open != null) {
            open.text().append(delta);
        }
        return List.of(event(raw, new EventData.ItemDelta(itemId, delta)));
    }

    /**
     * Codex's {@code error} notification: the model request failed (the provider's, with the HTTP status when
     * Codex tells it), or the sandbox did (Codex's own). Codex's codexErrorInfo ("other", or an object such as
     * {@code {"httpConnectionFailed": {"httpStatusCode": 502}}}) names the agent code; its message is often the
     * provider's raw JSON body, whose own message becomes the event's, the body staying in the details.
     */
    private ProtocolOutput error(JsonNode raw, JsonNode params) {
        JsonNode error = params.path("error");
        JsonNode info = error.path("codexErrorInfo");
        String agentCode = info.isTextual() ? info.asText()
                : info.isObject() && info.fieldNames().hasNext() ? info.fieldNames().next() : "unknown";
        Integer httpStatus = null;
        for (JsonNode value : info) {
            if (value.path("httpStatusCode").canConvertToInt()) {
                httpStatus = value.path("httpStatusCode").asInt();
            }
        }
        String body = error.path("message").asText("Codex reported an error");
        ObjectNode details = WireVocabulary.errorDetails(agentCode, httpStatus);
        String message = providerMessage(body);
        if (!message.equals(body)) {
            details.put("provider_body", body);
        }
        String code = agentCode.equals("sandboxError") ? WireVocabulary.AGENT_ERROR : WireVocabulary.PROVIDER_ERROR;
        return event(raw, new EventData.Error(message, code, details, params.path("willRetry").asBoolean(false),
                null, null));
    }

    /** The provider's own message when Codex passes on its JSON error body ({"error": {"message": ...}}). */
    static String providerMessage(String text) {
        JsonLine read = JsonLine.read(text);
        JsonNode message = read.object() == null ? null : read.object().path("error").path("message");
        return message != null && message.isTextual() && !message.asText().isBlank() ? message.asText() : text;
    }

    /** Codex's per-turn usage (tokenUsage.last) in the common shape: Codex counts cached input in inputTokens. */
    static JsonNode usage(JsonNode last) {
        return WireVocabulary.usage(WireVocabulary.count(last, "inputTokens"),
                WireVocabulary.count(last, "cachedInputTokens"), WireVocabulary.count(last, "cacheWriteInputTokens"),
                WireVocabulary.count(last, "outputTokens"), WireVocabulary.count(last, "reasoningOutputTokens"));
    }

    private ProtocolOutput status(JsonNode raw, String label, String detail) {
        return event(raw, new EventData.ItemCompleted(UniversalItems.status("status_"
                + UniversalItems.sha256(raw.toString()).substring(0, 16), label, detail)));
    }

    private static String paths(JsonNode fileChange) {
        List<String> paths = new ArrayList<>();
        fileChange.path("changes").forEach(c -> paths.add(c.path("path").asText()));
        return paths.isEmpty() ? "files" : String.join(", ", paths);
    }

    private ProtocolOutput event(JsonNode raw, EventData data) {
        return ProtocolOutput.emit(data, raw, nativeSessionId);
    }

}
