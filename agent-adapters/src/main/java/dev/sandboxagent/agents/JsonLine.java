package dev.sandboxagent.agents;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
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

    /**
     * What one line means to a protocol whose lines are objects with a {@code "type"} (Claude Code's stream-json,
     * pi's RPC mode): noise is dropped; an unreadable line, one without a type, one of a type {@code translate}
     * does not know (it returns null) or one it fails on becomes an {@code agent.unparsed} event made by
     * {@code unparsed(line, reason)}, so a garbled line never ends a turn or the session.
     */
    public static List<ProtocolOutput> translateTyped(String line,
            Function<ObjectNode, List<ProtocolOutput>> translate, BiFunction<String, String, AgentEvent> unparsed) {
        JsonLine read = read(line);
        if (read.object() == null) {
            return read.isNoise() ? List.of() : List.of(new ProtocolOutput.Emit(unparsed.apply(line, read.problem())));
        }
        ObjectNode node = read.object();
        if (!node.path("type").isTextual()) {
            return List.of(new ProtocolOutput.Emit(unparsed.apply(line, "a JSON line without a type")));
        }
        try {
            List<ProtocolOutput> outputs = translate.apply(node);
            return outputs == null ? List.of(new ProtocolOutput.Emit(unparsed.apply(line, "unknown line type "
                    + node.path("type").asText()))) : outputs;
        } catch (RuntimeException e) {
            return List.of(new ProtocolOutput.Emit(unparsed.apply(line, "unexpected " + e.getClass().getSimpleName()
                    + " reading " + node.path("type").asText())));
        }
    }
}
