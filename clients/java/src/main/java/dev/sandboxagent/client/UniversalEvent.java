package dev.sandboxagent.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.schema.EventCodec;
import dev.sandboxagent.schema.EventData;
import dev.sandboxagent.schema.EventType;
import java.util.Optional;

/**
 * One entry of a session's transcript, in the anchor's snake_case wire schema. {@code data} depends on
 * {@code type} (see docs/api.md) and is kept as a tree so that new fields and event types pass through untouched.
 * {@code raw} is the agent's original output and is only present when asked for.
 */
@JsonPropertyOrder({"event_id", "sequence", "time", "session_id", "native_session_id", "source", "synthetic",
        "type", "data", "raw"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UniversalEvent(
        @JsonProperty("event_id") String eventId,
        @JsonProperty("sequence") long sequence,
        @JsonProperty("time") String time,
        @JsonProperty("session_id") String sessionId,
        @JsonProperty("native_session_id") String nativeSessionId,
        @JsonProperty("source") String source,
        @JsonProperty("synthetic") boolean synthetic,
        @JsonProperty("type") String type,
        @JsonProperty("data") JsonNode data,
        @JsonProperty("raw") JsonNode raw) {

    /**
     * {@code data} as the event-schema record of its type (e.g. {@code EventData.TurnEnded}), empty for a type this
     * version does not know.
     *
     * @throws IllegalArgumentException when {@code data} is not what the wire has for the type
     */
    public Optional<EventData> typedData() {
        return EventType.fromWire(type).map(known -> EventCodec.decode(known, data));
    }

    /**
     * {@code data} as the record {@code dataType}, for a caller that knows the event's type.
     *
     * @throws IllegalArgumentException when this event is of another type, or its data is not that record's
     */
    public <T extends EventData> T data(Class<T> dataType) {
        EventType expected = EventType.of(dataType);
        if (expected == null || !expected.is(type)) {
            throw new IllegalArgumentException("event " + sequence + " is " + type + ", not " + expected);
        }
        return EventCodec.decode(data, dataType);
    }

    /** {@code data.turn_id} for turn events, else null. */
    public String turnId() {
        JsonNode id = data == null ? null : data.get("turn_id");
        return id == null || id.isNull() ? null : id.asText();
    }

    /** True for the {@code turn.ended} of the given turn. */
    public boolean endsTurn(String turnId) {
        return EventType.TURN_ENDED.is(type) && turnId != null && turnId.equals(turnId());
    }
}
