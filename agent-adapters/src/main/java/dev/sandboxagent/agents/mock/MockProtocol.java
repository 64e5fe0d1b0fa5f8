package dev.sandboxagent.agents.mock;

import static dev.sandboxagent.agents.UniversalItems.item;
import static dev.sandboxagent.agents.UniversalItems.itemData;
import static dev.sandboxagent.schema.EventType.ERROR;
import static dev.sandboxagent.schema.EventType.ITEM_COMPLETED;
import static dev.sandboxagent.schema.EventType.ITEM_DELTA;
import static dev.sandboxagent.schema.EventType.ITEM_STARTED;
import static dev.sandboxagent.schema.EventType.PERMISSION_REQUESTED;
import static dev.sandboxagent.schema.EventType.PERMISSION_RESOLVED;
import static dev.sandboxagent.schema.EventType.QUESTION_REQUESTED;
import static dev.sandboxagent.schema.EventType.QUESTION_RESOLVED;
import static dev.sandboxagent.schema.EventType.TURN_ENDED;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.sandboxagent.agents.AgentEvent;
import dev.sandboxagent.agents.UniversalItems;
import dev.sandboxagent.schema.EventType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Translates the mock agent's output lines (the protocol is in mock-agent.sh's header) into universal events with
 * the anchor's data shapes. Never throws: a line it cannot parse (unknown verb, missing or malformed fields, a
 * delta for an unknown item, garbage, terminal escapes) becomes {@code agent.unparsed}. Every event carries the
 * line as {@code raw}. One instance per process, fed by its one reader thread.
 */
final class MockProtocol {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]*");
    private static final Set<String> PERMISSION_STATUSES = Set.of("accept", "accept_for_session", "reject");
    private static final Set<String> TURN_STATUSES = Set.of("completed", "interrupted");

    private final Map<String, StringBuilder> streaming = new HashMap<>();
    private final Map<String, String> prompts = new HashMap<>();
    private final Map<String, String> callItems = new HashMap<>(); // call id -> its tool_call item id
    private volatile String nativeSessionId;

    String nativeSessionId() {
        return nativeSessionId;
    }

    /** If {@code line} is the READY line, remembers and returns the native session id. */
    Optional<String> ready(String line) {
        if (!line.startsWith("READY ")) {
            return Optional.empty();
        }
        String id = line.substring("READY ".length());
        if (!ID.matcher(id).matches()) {
            return Optional.empty();
        }
        nativeSessionId = id;
        return Optional.of(id);
    }

    /** The events one output line stands for: usually one, two for a whole message. */
    List<AgentEvent> parse(String line) {
        try {
            return translate(line, new Fields(line));
        } catch (Malformed e) {
            return List.of(unparsed(line, e.getMessage()));
        } catch (RuntimeException e) {
            return List.of(unparsed(line, "unexpected " + e.getClass().getSimpleName()));
        }
    }

    /** The event for a line that means nothing to the adapter. */
    AgentEvent unparsed(String line, String reason) {
        return UniversalItems.unparsed("mock agent", line, reason, nativeSessionId);
    }

    /** An assistant message; {@code text} null for one still in progress, whose content is empty. */
    private static ObjectNode message(String id, String status, String text) {
        return UniversalItems.message(id, status, text, false);
    }

    private List<AgentEvent> translate(String line, Fields f) {
        String verb = f.word("verb");
        return switch (verb) {
            case "MSG" -> {
                String item = f.id("item id");
                String text = f.text();
                yield List.of(event(line, ITEM_STARTED, itemData(message(item, "in_progress", null))),
                        event(line, ITEM_COMPLETED, itemData(message(item, "completed", text))));
            }
            case "MSG_START" -> {
                String item = f.id("item id");
                f.end();
                streaming.put(item, new StringBuilder());
                yield List.of(event(line, ITEM_STARTED, itemData(message(item, "in_progress", null))));
            }
            case "DELTA" -> {
                String item = f.id("item id");
                String delta = f.text();
                StringBuilder text = streaming.get(item);
                if (text == null) {
                    throw new Malformed("delta for item " + item + ", which was not started");
                }
                text.append(delta);
                yield List.of(event(line, ITEM_DELTA, JSON.objectNode().put("item_id", item).put("delta", delta)));
            }
            case "MSG_END" -> {
                String item = f.id("item id");
                f.end();
                StringBuilder text = streaming.remove(item);
                if (text == null) {
                    throw new Malformed("end of item " + item + ", which was not started");
                }
                yield List.of(event(line, ITEM_COMPLETED, itemData(message(item, "completed", text.toString()))));
            }
            case "TOOL" -> {
                String item = f.id("item id");
                String call = f.id("call id");
                String name = f.word("tool name");
                String arguments = f.text();
                ObjectNode data = item(item, "tool_call", "assistant", "completed");
                callItems.put(call, item);
                data.withArray("content").addObject().put("type", "tool_call").put("name", MockText.decode(name))
                        .put("arguments", arguments).put("call_id", call);
                yield List.of(event(line, ITEM_COMPLETED, itemData(data)));
            }
            case "RESULT" -> {
                String item = f.id("item id");
                String call = f.id("call id");
                String output = f.text();
                ObjectNode data = item(item, "tool_result", "tool", "completed");
                data.put("parent_id", callItems.remove(call)); // the tool_call item it answers; null if unknown
                data.withArray("content").addObject().put("type", "tool_result").put("call_id", call)
                        .put("output", output);
                yield List.of(event(line, ITEM_COMPLETED, itemData(data)));
            }
            case "PERM_REQ" -> {
                String id = f.id("permission id");
                String action = f.text();
                yield List.of(event(line, PERMISSION_REQUESTED, permission(id, action, "requested")));
            }
            case "PERM_RES" -> {
                String id = f.id("permission id");
                String status = f.oneOf("permission status", PERMISSION_STATUSES);
                String action = f.text();
                yield List.of(event(line, PERMISSION_RESOLVED, permission(id, action, status)));
            }
            case "Q_REQ" -> {
                String id = f.id("question id");
                String prompt = f.text();
                prompts.put(id, prompt);
                yield List.of(event(line, QUESTION_REQUESTED, question(id, prompt, "requested")));
            }
            case "Q_RES" -> {
                String id = f.id("question id");
                String outcome = f.oneOf("question outcome", Set.of("answered", "rejected"));
                String answer = outcome.equals("answered") ? f.text() : null;
                if (answer == null) {
                    f.end();
                }
                String prompt = prompts.remove(id);
                if (prompt == null) {
                    throw new Malformed("answer to question " + id + ", which was not asked");
                }
                ObjectNode data = question(id, prompt, outcome);
                data.put("response", answer);
                yield List.of(event(line, QUESTION_RESOLVED, data));
            }
            case "ERROR" -> List.of(event(line, ERROR,
                    JSON.objectNode().put("message", f.text()).put("code", "mock_error")));
            case "TURN_END" -> {
                String status = f.oneOf("turn status", TURN_STATUSES);
                String turnId = f.text();
                if (turnId.isEmpty()) {
                    throw new Malformed("missing turn id");
                }
                ObjectNode data = JSON.objectNode().put("phase", "ended").put("turn_id", turnId);
                data.putObject("metadata").put("status", status);
                yield List.of(event(line, TURN_ENDED, data));
            }
            default -> throw new Malformed("unknown verb");
        };
    }

    private static ObjectNode permission(String id, String action, String status) {
        return JSON.objectNode().put("permission_id", id).put("action", action).put("status", status);
    }

    private static ObjectNode question(String id, String prompt, String status) {
        ObjectNode data = JSON.objectNode().put("question_id", id).put("prompt", prompt);
        data.putArray("options").add("yes").add("no");
        return data.put("status", status).putNull("response");
    }

    private AgentEvent event(String line, EventType type, ObjectNode data) {
        return new AgentEvent(type, data, TextNode.valueOf(line), nativeSessionId, false);
    }

    /** Reads the space-separated fields of one line; the last field of most verbs is free text. */
    private static final class Fields {
        private final String line;
        private int at;

        Fields(String line) {
            this.line = line;
        }

        String word(String what) {
            if (at >= line.length()) {
                throw new Malformed("missing " + what);
            }
            int space = line.indexOf(' ', at);
            int end = space < 0 ? line.length() : space;
            String word = line.substring(at, end);
            at = space < 0 ? line.length() : space + 1;
            if (word.isEmpty()) {
                throw new Malformed("empty " + what);
            }
            return word;
        }

        String id(String what) {
            String id = word(what);
            if (!ID.matcher(id).matches()) {
                throw new Malformed("malformed " + what);
            }
            return id;
        }

        String oneOf(String what, Set<String> allowed) {
            String word = word(what);
            if (!allowed.contains(word)) {
                throw new Malformed("unknown " + what + " " + word);
            }
            return word;
        }

        /** The rest of the line, unescaped; empty if there is none. */
        String text() {
            String rest = at >= line.length() ? "" : line.substring(at);
            at = line.length();
            return MockText.decode(rest);
        }

        void end() {
            if (at < line.length()) {
                throw new Malformed("unexpected text after the fields");
            }
        }
    }

    private static final class Malformed extends RuntimeException {
        Malformed(String reason) {
            super(reason, null, false, false);
        }
    }
}
