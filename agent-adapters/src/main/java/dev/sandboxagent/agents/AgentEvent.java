package dev.sandboxagent.agents;

import com.fasterxml.jackson.databind.JsonNode;
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
}
