package dev.sandboxagent.agents.claude;

import static dev.sandboxagent.agents.UniversalItems.item;
import static dev.sandboxagent.agents.UniversalItems.itemData;
import static dev.sandboxagent.agents.UniversalItems.message;
import static dev.sandboxagent.schema.EventType.ITEM_COMPLETED;
import static dev.sandboxagent.schema.EventType.ITEM_DELTA;
import static dev.sandboxagent.schema.EventType.ITEM_STARTED;
import static dev.sandboxagent.schema.EventType.PERMISSION_REQUESTED;
import static dev.sandboxagent.schema.EventType.QUESTION_REQUESTED;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sandboxagent.agents.AgentEvent;
import dev.sandboxagent.agents.JsonLine;
import dev.sandboxagent.agents.QuestionView;
import dev.sandboxagent.agents.UniversalItems;
import dev.sandboxagent.schema.EventType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Translates Claude Code's stream-json output ({@code --output-format stream-json --verbose
 * --include-partial-messages}) into universal events with the anchor's data shapes. Control messages (the answers
 * to our requests, and its permission requests) are handed to the {@link Control} the process supplies. Never
 * throws: a line it cannot make sense of becomes {@code agent.unparsed}, and the terminal's own noise (the reset
 * sequence Claude Code writes when it exits) is dropped. One instance per process, fed by its one reader thread.
 */
final class ClaudeProtocol {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    static final String ASK_USER_QUESTION = "AskUserQuestion";
    static final String EXIT_PLAN_MODE = "ExitPlanMode";
    /** The options of plan approval: "approve" lets ExitPlanMode run, anything else stops it. */
    static final String APPROVE = "approve";
    static final String REJECT = "reject";
    private static final Set<String> IGNORED_SYSTEM = Set.of("status", "compact_boundary", "hook_response");

    AgentEvent unparsed(String line, String reason) {
        return UniversalItems.unparsed("Claude Code", line, reason, nativeSessionId);
    }

    /** What the protocol cannot decide alone: the process answers control messages. */
    interface Control {
        /** Claude Code answered one of our control requests. */
        void response(String requestId, JsonNode response);

        /** Claude Code asks whether it may run a tool; the answer must come back as a control_response. */
        void toolPermission(String requestId, String toolName, JsonNode input);

        /**
         * Claude Code asks the user something: AskUserQuestion, or plan approval (ExitPlanMode). It arrives as a
         * permission request for that tool and is answered like one.
         */
        void question(String requestId, String toolName, JsonNode input, QuestionView view);

        /** The turn ended ({@code result} line): success, error or interrupted. */
        void result(JsonNode result);

        /** A control request we do not serve: it must still be answered, or Claude Code waits. */
        void unsupported(String requestId, String subtype);
    }

    private final Control control;
    private volatile String nativeSessionId;
    /** message id -> how many of its content blocks came as assistant lines so far. */
    private final Map<String, Integer> blocksSeen = new HashMap<>();
    /** item id -> text streamed so far, for items started from stream events and not completed yet. */
    private final Map<String, StringBuilder> streaming = new HashMap<>();
    /** stream block index -> item id, for the API message being streamed. */
    private final Map<Integer, String> streamedItems = new HashMap<>();
    private final Map<String, String> callItems = new HashMap<>(); // tool_use id -> its tool_call item id
    private String streamingMessageId;

    ClaudeProtocol(Control control, String nativeSessionId) {
        this.control = control;
        this.nativeSessionId = nativeSessionId;
    }

    String nativeSessionId() {
        return nativeSessionId;
    }

    /** The events one output line stands for (often none: control traffic, partial-message bookkeeping). */
    List<AgentEvent> parse(String line) {
        JsonLine read = JsonLine.read(line);
        if (read.object() == null) {
            return read.isNoise() ? List.of() : List.of(unparsed(line, read.problem()));
        }
        ObjectNode node = read.object();
        if (!node.path("type").isTextual()) {
            return List.of(unparsed(line, "a JSON line without a type"));
        }
        try {
            List<AgentEvent> events = translate(node);
            return events == null ? List.of(unparsed(line, "unknown line type " + node.path("type").asText()))
                    : events;
        } catch (RuntimeException e) {
            return List.of(unparsed(line, "unexpected " + e.getClass().getSimpleName() + " reading "
                    + node.path("type").asText()));
        }
    }

    /** Null for a line type we do not know. */
    private List<AgentEvent> translate(JsonNode node) {
        String sessionId = node.path("session_id").asText("");
        if (!sessionId.isEmpty()) {
            nativeSessionId = sessionId;
        }
        return switch (node.path("type").asText()) {
            case "system" -> system(node);
            case "stream_event" -> streamEvent(node);
            case "assistant" -> assistant(node);
            case "user" -> user(node);
            case "result" -> {
                control.result(node); // the turn's end is the process's business: it knows the turn id
                yield List.of();
            }
            case "control_response" -> {
                JsonNode response = node.path("response");
                control.response(response.path("request_id").asText(), response);
                yield List.of();
            }
            case "control_request" -> controlRequest(node);
            case "control_cancel_request", "rate_limit_event", "keep_alive" -> List.of();
            default -> null;
        };
    }

    private List<AgentEvent> system(JsonNode node) {
        String subtype = node.path("subtype").asText();
        if (subtype.equals("init") || IGNORED_SYSTEM.contains(subtype)) {
            return List.of();
        }
        if (subtype.equals("api_retry")) {
            ObjectNode item = item("retry_" + node.path("uuid").asText(Integer.toString(node.hashCode())), "status",
                    "system", "completed");
            item.withArray("content").addObject().put("type", "status").put("label", "api_retry")
                    .put("detail", "attempt " + node.path("attempt").asInt() + " of "
                            + node.path("max_retries").asInt() + " after " + node.path("error").asText("an error"));
            return List.of(event(node, ITEM_COMPLETED, itemData(item)));
        }
        return null;
    }

    private List<AgentEvent> streamEvent(JsonNode node) {
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
                return List.of(event(node, ITEM_STARTED, itemData(message(itemId, "in_progress", null,
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
                return List.of(event(node, ITEM_DELTA, JSON.objectNode().put("item_id", itemId)
                        .put("delta", text)));
            }
            default -> {
                return List.of(); // content_block_stop, message_delta, message_stop: the assistant line says it all
            }
        }
    }

    private List<AgentEvent> assistant(JsonNode node) {
        JsonNode message = node.path("message");
        String messageId = message.path("id").asText("msg_" + node.path("uuid").asText());
        List<AgentEvent> events = new ArrayList<>();
        for (JsonNode block : message.path("content")) {
            int index = blocksSeen.merge(messageId, 1, Integer::sum) - 1;
            String itemId = messageId + ":" + index;
            switch (block.path("type").asText()) {
                case "text", "thinking" -> {
                    boolean thinking = block.path("type").asText().equals("thinking");
                    String text = block.path(thinking ? "thinking" : "text").asText("");
                    if (streaming.remove(itemId) == null) {
                        events.add(event(node, ITEM_STARTED, itemData(message(itemId, "in_progress", null,
                                thinking))));
                    }
                    events.add(event(node, ITEM_COMPLETED, itemData(message(itemId, "completed", text,
                            thinking))));
                }
                case "tool_use" -> {
                    String callId = block.path("id").asText(itemId);
                    callItems.put(callId, itemId);
                    ObjectNode item = item(itemId, "tool_call", "assistant", "completed");
                    item.withArray("content").addObject().put("type", "tool_call")
                            .put("name", block.path("name").asText())
                            .put("arguments", block.path("input").toString()).put("call_id", callId);
                    events.add(event(node, ITEM_COMPLETED, itemData(item)));
                }
                default -> {
                    // redacted thinking, server tool blocks: nothing a client shows
                }
            }
        }
        return events;
    }

    private List<AgentEvent> user(JsonNode node) {
        JsonNode content = node.path("message").path("content");
        List<AgentEvent> events = new ArrayList<>();
        for (JsonNode block : content) {
            if (!block.path("type").asText().equals("tool_result")) {
                continue; // the user's own text (or a replay of it): the server recorded it already
            }
            String callId = block.path("tool_use_id").asText();
            String callItem = callItems.remove(callId);
            ObjectNode item = item("result_" + callId, "tool_result", "tool",
                    block.path("is_error").asBoolean() ? "failed" : "completed");
            item.put("parent_id", callItem);
            item.withArray("content").addObject().put("type", "tool_result").put("call_id", callId)
                    .put("output", text(block.path("content")));
            events.add(event(node, ITEM_COMPLETED, itemData(item)));
        }
        return events;
    }

    private List<AgentEvent> controlRequest(JsonNode node) {
        String requestId = node.path("request_id").asText();
        JsonNode request = node.path("request");
        String subtype = request.path("subtype").asText();
        if (!subtype.equals("can_use_tool")) {
            control.unsupported(requestId, subtype);
            return List.of();
        }
        String tool = request.path("tool_name").asText("tool");
        JsonNode input = request.path("input");
        if (tool.equals(ASK_USER_QUESTION) || tool.equals(EXIT_PLAN_MODE)) {
            QuestionView view = tool.equals(ASK_USER_QUESTION) ? askUserQuestion(input) : planApproval(input);
            control.question(requestId, tool, input, view);
            return List.of(event(node, QUESTION_REQUESTED, view.data(requestId, "requested", null)));
        }
        control.toolPermission(requestId, tool, input);
        ObjectNode data = JSON.objectNode().put("permission_id", requestId).put("action", action(tool, input))
                .put("status", "requested");
        ObjectNode metadata = data.putObject("metadata");
        metadata.put("tool_name", tool).set("input", input);
        metadata.put("tool_use_id", request.path("tool_use_id").asText(null));
        return List.of(event(node, PERMISSION_REQUESTED, data));
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

    private AgentEvent event(JsonNode raw, EventType type, ObjectNode data) {
        return new AgentEvent(type, data, raw, nativeSessionId, false);
    }

}
