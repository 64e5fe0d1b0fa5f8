package dev.sandboxagent.cli.output;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.client.UniversalEvent;
import dev.sandboxagent.schema.EventType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One event as a line of text for people: {@code #<sequence> <type> <what matters for this type>}. Whatever a user
 * must act on stays visible (permission and question ids, with the command that answers them), as does anything
 * that explains a failure (exit code, stderr, error messages). A message's text is printed whole; its continuation
 * lines are indented so that the next {@code #} still starts the next event.
 */
public final class EventText {
    private static final int TYPE_WIDTH = 20; // permission.requested
    private static final String INDENT = "    ";

    private EventText() {
    }

    public static String format(UniversalEvent event) {
        JsonNode data = event.data() == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance()
                : event.data();
        EventType type = EventType.fromWire(event.type()).orElse(null);
        String detail = type == null ? unknown(data) : switch (type) {
            case SESSION_STARTED -> scalars(data.path("metadata"));
            case SESSION_RESUMED -> scalars(data.path("metadata"));
            case SESSION_ENDED -> sessionEnded(data);
            case TURN_STARTED -> text(data, "turn_id");
            case TURN_ENDED -> join(text(data, "turn_id"), text(data.path("metadata"), "status"));
            case ITEM_STARTED -> itemStarted(data.path("item"));
            case ITEM_DELTA -> join(text(data, "item_id"), Text.quote(data.path("delta").asText("")));
            case ITEM_COMPLETED -> itemCompleted(data.path("item"));
            case PERMISSION_REQUESTED -> permissionRequested(event.sessionId(), data);
            case PERMISSION_RESOLVED -> join(text(data, "permission_id"), text(data, "status"));
            case QUESTION_REQUESTED -> questionRequested(event.sessionId(), data);
            case QUESTION_RESOLVED -> questionResolved(data);
            case ERROR -> error(data);
            case AGENT_UNPARSED -> join(text(data, "error"), parenthesized("at", text(data, "location")));
        };
        String line = "#" + event.sequence() + " " + pad(event.type()) + " " + detail;
        return Text.indentContinuation(line.stripTrailing(), INDENT);
    }

    /** An event type this version does not know (a newer server's): its data as it is. */
    private static String unknown(JsonNode data) {
        return data.isMissingNode() || data.isEmpty() ? "" : data.toString();
    }

    private static String sessionEnded(JsonNode data) {
        List<String> parts = new ArrayList<>();
        parts.add(text(data, "reason"));
        if (data.hasNonNull("terminated_by")) {
            parts.add("by " + text(data, "terminated_by"));
        }
        if (data.hasNonNull("exit_code")) {
            parts.add("(exit code " + data.get("exit_code").asInt() + ")");
        }
        String line = join(parts.toArray(String[]::new));
        if (data.hasNonNull("message")) {
            line += ": " + text(data, "message");
        }
        JsonNode stderr = data.path("stderr");
        if (stderr.hasNonNull("head")) {
            line += "\nstderr: " + stderr.get("head").asText();
            if (stderr.hasNonNull("tail")) {
                line += "\n... (" + stderr.path("total_lines").asLong() + " lines in all)\n"
                        + stderr.get("tail").asText();
            }
        }
        return line;
    }

    /**
     * Which item starts, never its content: the server gives every item a start, with the content already there
     * for items that arrive whole (the user's message, tool calls and results), and the item.completed line prints
     * that content; printing it here as well would show everything twice.
     */
    private static String itemStarted(JsonNode item) {
        return join(text(item, "item_id"), text(item, "role"), text(item, "kind"));
    }

    private static String itemCompleted(JsonNode item) {
        String kind = text(item, "kind");
        String who = item.hasNonNull("role") && "message".equals(kind) ? text(item, "role")
                : join(kind, text(item, "role"));
        String status = "failed".equals(text(item, "status")) ? " [failed]" : "";
        return who + status + ": " + content(item.path("content"));
    }

    /** A message's parts as text: what a person would read in a chat window. */
    private static String content(JsonNode parts) {
        List<String> out = new ArrayList<>();
        for (JsonNode part : parts) {
            String type = text(part, "type");
            out.add(switch (type == null ? "" : type) {
                case "text" -> part.path("text").asText("");
                case "reasoning" -> "(thinking) " + part.path("text").asText("");
                case "json" -> part.path("json").toString();
                case "tool_call" -> join(text(part, "name"), text(part, "arguments"),
                        parenthesized("call", text(part, "call_id")));
                case "tool_result" -> join(parenthesized("call", text(part, "call_id")), text(part, "output"));
                case "file_ref" -> join(text(part, "action"), text(part, "path"))
                        + (part.hasNonNull("diff") ? "\n" + text(part, "diff") : "");
                case "image" -> join("image", text(part, "path"), text(part, "mime"));
                case "status" -> text(part, "label") + (part.hasNonNull("detail") ? ": " + text(part, "detail") : "");
                default -> part.toString();
            });
        }
        return String.join("\n", out);
    }

    private static String permissionRequested(String sessionId, JsonNode data) {
        String id = text(data, "permission_id");
        String metadata = data.hasNonNull("metadata") && !data.get("metadata").isEmpty()
                ? " " + data.get("metadata") : "";
        return join(id, text(data, "action")) + metadata
                + "  (answer: sandbox-agent api sessions reply-permission " + sessionId + " " + id
                + " --reply once|always|reject)";
    }

    private static String questionRequested(String sessionId, JsonNode data) {
        String id = text(data, "question_id");
        List<String> options = new ArrayList<>();
        data.path("options").forEach(o -> options.add(o.asText()));
        return join(id, Text.quote(data.path("prompt").asText("")),
                options.isEmpty() ? null : "options: " + String.join(" | ", options))
                + "  (answer: sandbox-agent api sessions reply-question " + sessionId + " " + id
                + " --answer TEXT | --reject)";
    }

    private static String questionResolved(JsonNode data) {
        String line = join(text(data, "question_id"), text(data, "status"));
        return data.hasNonNull("response") ? line + ": " + text(data, "response") : line;
    }

    private static String error(JsonNode data) {
        String line = data.hasNonNull("code") ? text(data, "code") + ": " + text(data, "message")
                : String.valueOf(text(data, "message"));
        return data.hasNonNull("details") ? line + " " + data.get("details") : line;
    }

    /** The scalar members of an object as {@code key=value}; nested values as compact JSON. */
    private static String scalars(JsonNode object) {
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : object.properties()) {
            JsonNode value = field.getValue();
            if (!value.isNull()) {
                parts.add(field.getKey() + "=" + (value.isValueNode() ? value.asText() : value.toString()));
            }
        }
        return String.join(" ", parts);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static String parenthesized(String label, String value) {
        return value == null ? null : "(" + label + " " + value + ")";
    }

    /** The non-null parts, space-separated. */
    private static String join(String... parts) {
        List<String> present = new ArrayList<>();
        for (String part : parts) {
            if (part != null && !part.isEmpty()) {
                present.add(part);
            }
        }
        return String.join(" ", present);
    }

    private static String pad(String type) {
        return type.length() >= TYPE_WIDTH ? type : type + " ".repeat(TYPE_WIDTH - type.length());
    }
}
