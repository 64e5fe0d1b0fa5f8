package dev.sandboxagent.agents;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.schema.EventType;
import java.util.Objects;

/**
 * An event parsed from an agent's output, before the store numbers it. {@code type} and {@code data} follow the
 * universal schema (for example {@code item.delta} with {@code {"item_id":..,"delta":..}}).
 *
 * @param raw             the agent's native line, when there is one (kept for {@code include_raw})
 * @param nativeSessionId the agent's own session id, once known
 * @param synthetic       true when the adapter made the event up rather than translating one from the agent
 */
public record AgentEvent(String type, JsonNode data, JsonNode raw, String nativeSessionId, boolean synthetic) {
    public AgentEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
    }

    public AgentEvent(EventType type, JsonNode data, JsonNode raw, String nativeSessionId, boolean synthetic) {
        this(type.wire(), data, raw, nativeSessionId, synthetic);
    }

    /** True when this is an event of {@code type}. */
    public boolean is(EventType type) {
        return type.is(this.type);
    }
}
