package dev.sandboxagent.store.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandboxagent.store.UniversalEvent;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

/** The JSON kept in {@code events.json}, and the ids and times the store gives events. */
final class EventCodec {
    /** An event with the JSON that stores it. */
    record Encoded(UniversalEvent event, String json) {
    }

    // ObjectMapper is thread-safe once configured and costly to build, so the writer and all readers share one.
    private static final ObjectMapper MAPPER = new ObjectMapper();
    // RFC 3339 UTC with always three fraction digits: Instant.toString() drops them when they are zero.
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private EventCodec() {
    }

    static Encoded encode(UniversalEvent event) throws JsonProcessingException {
        return new Encoded(event, MAPPER.writeValueAsString(event));
    }

    static UniversalEvent decode(String json) throws JsonProcessingException {
        return MAPPER.readValue(json, UniversalEvent.class);
    }

    static String time(long epochMillis) {
        return TIME.format(Instant.ofEpochMilli(epochMillis));
    }

    /**
     * A random id: a session's sequences restart at 1 when it is deleted and created again, so an id derived from
     * them would repeat.
     */
    static String newEventId() {
        return "evt_" + UUID.randomUUID().toString().replace("-", "");
    }
}
