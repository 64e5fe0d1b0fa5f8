package dev.sandboxagent.agents;

import static dev.sandboxagent.schema.EventType.AGENT_UNPARSED;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The anchor's item and unparsed-line shapes, built the same way by every adapter's protocol parser, so that a
 * client sees one schema whichever agent runs.
 */
public final class UniversalItems {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private UniversalItems() {
    }

    /** An item with empty content: {@code item_id, native_item_id, kind, role, status, content: []}. */
    public static ObjectNode item(String id, String kind, String role, String status) {
        ObjectNode item = JSON.objectNode().put("item_id", id).put("native_item_id", id).put("kind", kind)
                .put("role", role).put("status", status);
        item.putArray("content");
        return item;
    }

    /**
     * An assistant message; {@code text} null for one still in progress (empty content), else one text part, or
     * one public reasoning part when {@code reasoning}.
     */
    public static ObjectNode message(String id, String status, String text, boolean reasoning) {
        ObjectNode item = item(id, "message", "assistant", status);
        if (text != null) {
            ObjectNode part = item.withArray("content").addObject();
            if (reasoning) {
                part.put("type", "reasoning").put("text", text).put("visibility", "public");
            } else {
                part.put("type", "text").put("text", text);
            }
        }
        return item;
    }

    /** The data of item.started / item.completed: {@code {"item": item}}. */
    public static ObjectNode itemData(ObjectNode item) {
        return JSON.objectNode().set("item", item);
    }

    /**
     * {@code agent.unparsed} for a line the adapter could not read: the line itself as {@code raw}, its hash, and
     * why, in words.
     */
    public static AgentEvent unparsed(String agentName, String line, String reason, String nativeSessionId) {
        ObjectNode data = JSON.objectNode()
                .put("error", "cannot parse " + agentName + " output: " + reason)
                .put("location", "stdout")
                .put("raw_hash", sha256(line));
        return new AgentEvent(AGENT_UNPARSED, data, TextNode.valueOf(line), nativeSessionId, false);
    }

    /** Hex SHA-256 of the line's UTF-8 bytes. */
    public static String sha256(String line) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(line.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
