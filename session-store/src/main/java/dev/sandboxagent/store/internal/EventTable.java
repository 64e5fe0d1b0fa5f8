package dev.sandboxagent.store.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.sandboxagent.store.StoreException;
import dev.sandboxagent.store.UniversalEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** SQL on the {@code events} table. The {@code json} column holds the whole event; the other columns index it. */
final class EventTable {
    private EventTable() {
    }

    static void insert(Connection connection, List<EventCodec.Encoded> events) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO events (session_id, sequence, event_id, time, type, json) VALUES (?, ?, ?, ?, ?, ?)")) {
            for (EventCodec.Encoded encoded : events) {
                UniversalEvent event = encoded.event();
                insert.setString(1, event.sessionId());
                insert.setLong(2, event.sequence());
                insert.setString(3, event.eventId());
                insert.setString(4, event.time());
                insert.setString(5, event.type());
                insert.setString(6, encoded.json());
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

    static List<UniversalEvent> page(Connection connection, String sessionId, long afterSequence, int limit)
            throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT sequence, json FROM events"
                + " WHERE session_id = ? AND sequence > ? ORDER BY sequence LIMIT ?")) {
            select.setString(1, sessionId);
            select.setLong(2, afterSequence);
            select.setInt(3, limit);
            try (ResultSet rs = select.executeQuery()) {
                List<UniversalEvent> events = new ArrayList<>();
                while (rs.next()) {
                    events.add(decode(sessionId, rs.getLong(1), rs.getString(2)));
                }
                return events;
            }
        }
    }

    /** Walks the primary key backwards from the session's newest event; only the match's JSON is decoded. */
    static Optional<UniversalEvent> lastOfTypes(Connection connection, String sessionId, Set<String> types)
            throws SQLException {
        String placeholders = String.join(", ", java.util.Collections.nCopies(types.size(), "?"));
        try (PreparedStatement select = connection.prepareStatement("SELECT sequence, json FROM events"
                + " WHERE session_id = ? AND type IN (" + placeholders + ") ORDER BY sequence DESC LIMIT 1")) {
            select.setString(1, sessionId);
            int index = 2;
            for (String type : types) {
                select.setString(index++, type);
            }
            try (ResultSet rs = select.executeQuery()) {
                return rs.next() ? Optional.of(decode(sessionId, rs.getLong(1), rs.getString(2))) : Optional.empty();
            }
        }
    }

    private static UniversalEvent decode(String sessionId, long sequence, String json) {
        try {
            return EventCodec.decode(json);
        } catch (JsonProcessingException e) {
            // Jackson's message quotes the JSON it choked on, which may hold a secret: keep only the kind and place.
            String where = e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr();
            throw new StoreException("event " + sequence + " of session '" + sessionId
                    + "' is stored as unreadable JSON (" + e.getClass().getSimpleName() + where + ")");
        }
    }
}
