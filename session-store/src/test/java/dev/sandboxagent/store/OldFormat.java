package dev.sandboxagent.store;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * How schema version 1 (before encode-once) stored an event: the record below is the UniversalEvent of that
 * version, and its JSON, raw included, filled the {@code json} column. Also what the server sent with include_raw.
 */
public final class OldFormat {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Schema version 1's tables, as Schema.java created them. */
    public static final String[] SCHEMA_1 = {
            """
            CREATE TABLE IF NOT EXISTS sessions (
                session_id        TEXT PRIMARY KEY,
                agent             TEXT NOT NULL,
                agent_mode        TEXT NOT NULL,
                permission_mode   TEXT NOT NULL,
                model             TEXT,
                variant           TEXT,
                directory         TEXT,
                title             TEXT,
                state             TEXT NOT NULL CHECK (state IN ('ACTIVE', 'INTERRUPTED', 'ENDED')),
                native_session_id TEXT,
                last_sequence     INTEGER NOT NULL DEFAULT 0,
                created_at        INTEGER NOT NULL,
                updated_at        INTEGER NOT NULL
            )""",
            """
            CREATE TABLE IF NOT EXISTS events (
                session_id TEXT NOT NULL REFERENCES sessions (session_id),
                sequence   INTEGER NOT NULL,
                event_id   TEXT NOT NULL,
                time       TEXT NOT NULL,
                type       TEXT NOT NULL,
                json       TEXT NOT NULL,
                PRIMARY KEY (session_id, sequence)
            )""",
            """
            CREATE TABLE IF NOT EXISTS idempotency_keys (
                scope      TEXT NOT NULL,
                key        TEXT NOT NULL,
                value      TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                PRIMARY KEY (scope, key)
            ) WITHOUT ROWID""",
            "PRAGMA user_version = 1"};

    /** What took a file from version 1 to 2, as Schema.java shipped it (raw apart, and each row's format). */
    public static final String[] SCHEMA_2_STEP = {
            "ALTER TABLE events ADD COLUMN raw BLOB",
            "ALTER TABLE events ADD COLUMN format INTEGER NOT NULL DEFAULT 1",
            "PRAGMA user_version = 2"};

    @JsonPropertyOrder({"event_id", "sequence", "time", "session_id", "native_session_id", "source", "synthetic",
            "type", "data", "raw"})
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Version1Event(
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
    }

    private OldFormat() {
    }

    public static String encode(String eventId, long sequence, String time, String sessionId, String nativeSessionId,
                         String source, boolean synthetic, String type, JsonNode data, JsonNode raw)
            throws JsonProcessingException {
        return MAPPER.writeValueAsString(new Version1Event(eventId, sequence, time, sessionId, nativeSessionId,
                source, synthetic, type, data, raw));
    }
}
