package dev.sandboxagent.store;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * An event before the store has accepted it: everything but the sequence, id and time.
 *
 * @param source "agent" (parsed from the agent's output) or "daemon" (made by the server)
 * @param synthetic true when the server made the event up on the agent's behalf
 */
public record EventDraft(String type, String source, boolean synthetic, JsonNode data, JsonNode raw,
                         String nativeSessionId) {
    public EventDraft {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(data, "data");
    }

    public static EventDraft daemon(String type, JsonNode data) {
        return new EventDraft(type, "daemon", true, data, null, null);
    }
}
