package dev.sandboxagent.agents;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.schema.EventCodec;
import dev.sandboxagent.schema.EventData;
import dev.sandboxagent.schema.EventType;
import java.util.Objects;

/**
 * An event an agent reported, before the store numbers it: its data as the event-schema record (the session core
 * switches on the record's type), and the agent's own line as it came.
 *
 * @param payload         the event's data; its record says the event's type
 * @param raw             the agent's native line, when there is one (kept for {@code include_raw})
 * @param nativeSessionId the agent's own session id, once known
 * @param synthetic       true when the adapter made the event up rather than translating one from the agent
 */
public record AgentEvent(EventData payload, JsonNode raw, String nativeSessionId, boolean synthetic) {
    public AgentEvent {
        Objects.requireNonNull(payload, "payload");
    }

    /** The event's type. */
    public EventType eventType() {
        return payload.type();
    }

    /** The type's wire name, e.g. {@code turn.ended}. */
    public String type() {
        return payload.type().wire();
    }

    /** The data as the wire carries it (encoded by the codec on each call: for tests and logs, not hot paths). */
    public JsonNode data() {
        return EventCodec.toTree(payload);
    }

    /** True when this is an event of {@code type}. */
    public boolean is(EventType type) {
        return payload.type() == type;
    }
}
