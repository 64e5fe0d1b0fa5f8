package dev.sandboxagent.store;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * One entry of a session's transcript, exactly as it goes over the wire (the anchor's v0.1 schema, snake_case).
 * Only the store creates these: it assigns {@code sequence} (1.., gap-free per session), {@code event_id} and
 * {@code time} when it accepts an {@link EventDraft}.
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

    /** The same event without its {@code raw} payload (clients ask for raw explicitly). */
    public UniversalEvent withoutRaw() {
        return raw == null ? this : new UniversalEvent(eventId, sequence, time, sessionId, nativeSessionId, source,
                synthetic, type, data, null);
    }
}
