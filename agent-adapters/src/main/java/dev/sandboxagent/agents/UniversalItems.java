package dev.sandboxagent.agents;

import dev.sandboxagent.schema.ContentPart;
import dev.sandboxagent.schema.EventData;
import dev.sandboxagent.schema.Item;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The anchor's item and unparsed-line shapes, built the same way by every adapter's protocol, so that a client
 * sees one schema whichever agent runs.
 */
public final class UniversalItems {

    private UniversalItems() {
    }

    /**
     * An assistant message; {@code text} null for one still in progress (empty content), else one text part, or
     * one public reasoning part when {@code reasoning}.
     */
    public static Item message(String id, Item.Status status, String text, boolean reasoning) {
        List<ContentPart> content = text == null ? List.of()
                : List.of(reasoning ? new ContentPart.Reasoning(text, "public") : new ContentPart.Text(text));
        return Item.of(id, Item.Kind.MESSAGE, Item.Role.ASSISTANT, status, content);
    }

    /** A completed tool_call item for one call. */
    public static Item toolCall(String itemId, String name, String arguments, String callId) {
        return Item.of(itemId, Item.Kind.TOOL_CALL, Item.Role.ASSISTANT, Item.Status.COMPLETED,
                List.of(new ContentPart.ToolCall(name, arguments, callId)));
    }

    /** A completed status item: what happened ({@code label}) and the detail. */
    public static Item status(String itemId, String label, String detail) {
        return Item.of(itemId, Item.Kind.STATUS, Item.Role.SYSTEM, Item.Status.COMPLETED,
                List.of(new ContentPart.Status(label, detail)));
    }

    /**
     * {@code agent.unparsed} for a line the adapter could not read: the line itself as {@code raw}, its hash, and
     * why, in words.
     */
    public static AgentEvent unparsed(String agentName, String line, String reason, String nativeSessionId) {
        EventData.AgentUnparsed data = new EventData.AgentUnparsed("cannot parse " + agentName + " output: " + reason,
                "stdout", sha256(line));
        return new AgentEvent(data, com.fasterxml.jackson.databind.node.TextNode.valueOf(line), nativeSessionId,
                false);
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
