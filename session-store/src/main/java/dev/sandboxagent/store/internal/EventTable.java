package dev.sandboxagent.store.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sandboxagent.store.StoreException;
import dev.sandboxagent.store.UniversalEvent;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * SQL on the {@code events} table. {@code json} holds the event's bytes as sent to clients (without {@code raw}),
 * {@code raw} the agent's payload apart; the other columns index them. Both are stored as BLOBs, as they were
 * encoded, so that reading them back copies bytes and converts nothing.
 */
final class EventTable {
    /** Schema 1's rows: {@code json} is the whole event, raw inside. */
    static final int FORMAT_RAW_INSIDE = 1;
    /** Since schema 2: {@code json} is the event without raw, {@code raw} holds raw (or NULL). */
    static final int FORMAT_RAW_APART = 2;

    private static final String COLUMNS = "sequence, event_id, time, type, format, json, raw";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private EventTable() {
    }

    static void insert(Connection connection, List<UniversalEvent> events) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO events"
                + " (session_id, sequence, event_id, time, type, format, json, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (UniversalEvent event : events) {
                insert.setString(1, event.sessionId());
                insert.setLong(2, event.sequence());
                insert.setString(3, event.eventId());
                insert.setString(4, event.time());
                insert.setString(5, event.type());
                insert.setInt(6, FORMAT_RAW_APART);
                insert.setBytes(7, event.encoded());
                insert.setBytes(8, event.encodedRaw());
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    static void deleteSession(Connection connection, String sessionId) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM events WHERE session_id = ?")) {
            delete.setString(1, sessionId);
            delete.executeUpdate();
        }
    }

    /** The events' stored bytes are handed on as they are: nothing is parsed here (see UniversalEvent). */
    static List<UniversalEvent> page(Connection connection, String sessionId, long afterSequence, int limit)
            throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT " + COLUMNS + " FROM events"
                + " WHERE session_id = ? AND sequence > ? ORDER BY sequence LIMIT ?")) {
            select.setString(1, sessionId);
            select.setLong(2, afterSequence);
            select.setInt(3, limit);
            try (ResultSet rs = select.executeQuery()) {
                List<UniversalEvent> events = new ArrayList<>();
                while (rs.next()) {
                    events.add(row(sessionId, rs));
                }
                return events;
            }
        }
    }

    /** Walks the primary key backwards from the session's newest event. */
    static Optional<UniversalEvent> lastOfTypes(Connection connection, String sessionId, Set<String> types)
            throws SQLException {
        String placeholders = String.join(", ", java.util.Collections.nCopies(types.size(), "?"));
        try (PreparedStatement select = connection.prepareStatement("SELECT " + COLUMNS + " FROM events"
                + " WHERE session_id = ? AND type IN (" + placeholders + ") ORDER BY sequence DESC LIMIT 1")) {
            select.setString(1, sessionId);
            int index = 2;
            for (String type : types) {
                select.setString(index++, type);
            }
            try (ResultSet rs = select.executeQuery()) {
                return rs.next() ? Optional.of(row(sessionId, rs)) : Optional.empty();
            }
        }
    }

    private static UniversalEvent row(String sessionId, ResultSet rs) throws SQLException {
        long sequence = rs.getLong(1);
        String eventId = rs.getString(2);
        String time = rs.getString(3);
        String type = rs.getString(4);
        byte[] json = rs.getBytes(6);
        if (rs.getInt(5) == FORMAT_RAW_INSIDE) {
            return splitRawInside(sessionId, sequence, eventId, time, type, json);
        }
        return UniversalEvent.stored(eventId, sequence, time, sessionId, type, json, rs.getBytes(7));
    }

    /**
     * A row of schema 1 holds raw inside its JSON: take it out and encode the two parts, as schema 2 stores them.
     * This is the one read that encodes, paid on each read of such a row rather than by rewriting every old row at
     * start-up. Parsing and writing a tree keeps the fields in order, so the bytes are those the server has always
     * sent for the event.
     */
    private static UniversalEvent splitRawInside(String sessionId, long sequence, String eventId, String time,
                                                 String type, byte[] json) {
        try {
            JsonNode tree = MAPPER.readTree(json);
            if (!(tree instanceof ObjectNode event)) {
                throw new StoreException("event " + sequence + " of session '" + sessionId
                        + "' is stored as JSON that is not an object");
            }
            JsonNode raw = event.remove("raw");
            return UniversalEvent.stored(eventId, sequence, time, sessionId, type, MAPPER.writeValueAsBytes(event),
                    raw == null ? null : MAPPER.writeValueAsBytes(raw));
        } catch (IOException e) {
            // Jackson's message quotes the JSON it choked on, which may hold a secret: keep only the kind and place.
            String where = e instanceof JsonProcessingException p && p.getLocation() != null
                    ? " at column " + p.getLocation().getColumnNr() : "";
            throw new StoreException("event " + sequence + " of session '" + sessionId
                    + "' is stored as unreadable JSON (" + e.getClass().getSimpleName() + where + ")");
        }
    }
}
