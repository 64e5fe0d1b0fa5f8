package dev.sandboxagent.agents;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.regex.Pattern;

/**
 * One line of an agent's JSON-lines output, read the same way by every adapter: a JSON object; terminal noise
 * to drop (the escape sequences a CLI writes to its terminal, e.g. the reset Claude Code writes when it exits); or
 * something unreadable, with the reason an {@code agent.unparsed} event will carry.
 *
 * @param object  the line's object, or null
 * @param problem why the line is unreadable, or null (for an object, and for noise)
 */
public record JsonLine(ObjectNode object, String problem) {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** CSI, OSC (to BEL or ST), charset and single-character escapes, and the control characters among them. */
    private static final Pattern TERMINAL_NOISE = Pattern.compile(
            "\\u001B\\[[0-?]*[ -/]*[@-~]|\\u001B\\][^\\u0007\\u001B]*(\\u0007|\\u001B\\\\)|\\u001B[()][0-9A-Za-z]"
                    + "|\\u001B[0-9A-Za-z=>]|[\\u0000-\\u001F\\u007F]");

    public static JsonLine read(String line) {
        String trimmed = line.strip();
        if (!trimmed.startsWith("{")) {
            return TERMINAL_NOISE.matcher(trimmed).replaceAll("").isBlank() ? new JsonLine(null, null)
                    : new JsonLine(null, "not a JSON line");
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(trimmed);
        } catch (JsonProcessingException e) {
            return new JsonLine(null, "malformed JSON: " + e.getOriginalMessage());
        }
        return node instanceof ObjectNode object ? new JsonLine(object, null)
                : new JsonLine(null, "not a JSON object");
    }

    /** True for a line to drop without a trace. */
    public boolean isNoise() {
        return object == null && problem == null;
    }
}
