package dev.sandboxagent.store.internal;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

/**
 * The ids and times the store gives events. (The events' JSON is made by {@code UniversalEvent.encode}, once, and
 * kept: see {@link EventTable}.)
 */
final class EventCodec {
    // RFC 3339 UTC with always three fraction digits: Instant.toString() drops them when they are zero.
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private EventCodec() {
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
