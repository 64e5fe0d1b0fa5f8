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
    /**
     * The same of a schema-1 file, which the store reads as it is while it cannot migrate it (read-only on a full
     * disk, see ReadPool): it has neither column, and each of its rows holds raw inside json.
     */
    private static final String COLUMNS_OF_SCHEMA_1 = "sequence, event_id, time, type, " + FORMAT_RAW_INSIDE
            + ", json, NULL";
    /**
     * The events of a deleted session whose removal is not finished are no one's: reads find none, in the same
     * snapshot as the events (one lookup of the session's row per statement, whatever the page's size).
     */
    private static final String NOT_REMOVING =
            " AND NOT EXISTS (SELECT 1 FROM sessions WHERE session_id = ?1 AND removing = 1)";
    private static final String PAGE = pageSql(COLUMNS, NOT_REMOVING);
    // Before schema 3 no session's row is marked, so every event has its session.
    private static final String PAGE_OF_SCHEMA_2 = pageSql(COLUMNS, "");
    private static final String PAGE_OF_SCHEMA_1 = pageSql(COLUMNS_OF_SCHEMA_1, "");

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String INSERT_INTO = "INSERT INTO events"
            + " (session_id, sequence, event_id, time, type, format, json, raw) VALUES ";
    private static final String SINGLE_ROW_INSERT = INSERT_INTO + "(?, ?, ?, ?, ?, ?, ?, ?)";
    /** Rows per multi-row INSERT: 322 parameters, far below SQLite's limit of 32,766. */
    static final int ROWS_PER_INSERT = 64;
    private static final String MULTI_ROW_INSERT = multiRowInsert(ROWS_PER_INSERT);

    private EventTable() {
    }

    /**
     * Inserts the events, in their order. A run of {@link #ROWS_PER_INSERT} or more events of one session with
     * consecutive sequences (a fast agent's commit is mostly one such run) goes in as multi-row INSERTs that bind
     * the session and the first sequence once per statement (the format is a literal): per row that is 5 values
     * bound instead of 8, and one statement step instead of one per row. Each bind and step is a JNI call into the
     * driver, and a string bound is first encoded to UTF-8 by the driver, so this was a good part of the writer's
     * own time per event. The rest of a run, and events of sessions that interleave, go in one row per step. Both
     * statements are the writer's kept ones ({@link KeptStatements}): prepared once, not per commit.
     */
    static void insert(KeptStatements statements, List<UniversalEvent> events) throws SQLException {
        PreparedStatement single = null;
        boolean singlesPending = false;
        int size = events.size();
        int start = 0;
        while (start < size) {
            int end = endOfRun(events, start);
            for (; end - start >= ROWS_PER_INSERT; start += ROWS_PER_INSERT) {
                if (singlesPending) { // keep the insert order: what came before goes first
                    single.executeBatch();
                    singlesPending = false;
                }
                PreparedStatement multi = statements.get(MULTI_ROW_INSERT);
                bindRun(multi, events, start);
                multi.executeUpdate();
            }
            for (; start < end; start++) {
                if (single == null) {
                    single = statements.get(SINGLE_ROW_INSERT);
                }
                bindRow(single, events.get(start));
                single.addBatch();
                singlesPending = true;
            }
        }
        if (singlesPending) {
            single.executeBatch();
        }
    }

    /** Where the run of one session with consecutive sequences that begins at {@code start} ends (exclusive). */
    private static int endOfRun(List<UniversalEvent> events, int start) {
        UniversalEvent first = events.get(start);
        int end = start + 1;
        while (end < events.size() && events.get(end).sequence() == first.sequence() + (end - start)
                && events.get(end).sessionId().equals(first.sessionId())) {
            end++;
        }
        return end;
    }

    private static void bindRow(PreparedStatement insert, UniversalEvent event) throws SQLException {
        insert.setString(1, event.sessionId());
        insert.setLong(2, event.sequence());
        insert.setString(3, event.eventId());
        insert.setString(4, event.time());
        insert.setString(5, event.type());
        insert.setInt(6, FORMAT_RAW_APART);
        insert.setBytes(7, event.encoded());
        insert.setBytes(8, event.encodedRaw());
    }

    /** Binds {@link #MULTI_ROW_INSERT}: the session and first sequence, then five values per row. */
    private static void bindRun(PreparedStatement insert, List<UniversalEvent> events, int start)
            throws SQLException {
        UniversalEvent first = events.get(start);
        insert.setString(1, first.sessionId());
        insert.setLong(2, first.sequence());
        int parameter = 3;
        for (int row = 0; row < ROWS_PER_INSERT; row++) {
            UniversalEvent event = events.get(start + row);
            insert.setString(parameter++, event.eventId());
            insert.setString(parameter++, event.time());
            insert.setString(parameter++, event.type());
            insert.setBytes(parameter++, event.encoded());
            insert.setBytes(parameter++, event.encodedRaw());
        }
    }

    /**
     * {@code ?1} is the session, {@code ?2} the first row's sequence; row k's sequence is {@code ?2 + k} and its
     * own values are {@code ?(3 + 5k)} to {@code ?(7 + 5k)}.
     */
    private static String multiRowInsert(int rows) {
        StringBuilder sql = new StringBuilder(INSERT_INTO);
        for (int row = 0; row < rows; row++) {
            int p = 3 + 5 * row;
            sql.append(row == 0 ? "" : ", ").append("(?1, ?2").append(row == 0 ? "" : " + " + row)
                    .append(", ?").append(p).append(", ?").append(p + 1).append(", ?").append(p + 2)
                    .append(", ").append(FORMAT_RAW_APART)
                    .append(", ?").append(p + 3).append(", ?").append(p + 4).append(')');
        }
        return sql.toString();
    }

    /**
     * Removes the oldest events of a session, those with a sequence below its oldest one plus {@code rows}: at most
     * {@code rows} (sequences are gap-free), at least one while any is left. A range over the primary key, so the
     * statement's cost is that of the rows it removes, whatever the session's length. Returns how many it removed.
     */
    static int deleteOldest(Connection connection, String sessionId, int rows) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM events WHERE session_id = ?1"
                + " AND sequence < (SELECT min(sequence) FROM events WHERE session_id = ?1) + ?2")) {
            delete.setString(1, sessionId);
            delete.setInt(2, rows);
            return delete.executeUpdate();
        }
    }

    static boolean hasAny(Connection connection, String sessionId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT 1 FROM events WHERE session_id = ? LIMIT 1")) {
            select.setString(1, sessionId);
            try (ResultSet rs = select.executeQuery()) {
                return rs.next();
            }
        }
    }

    /**
     * Every event of a session in one statement. Only for what a re-create of a deleted session's id finds left
     * of its removal (see {@link SqliteSessionStore#create}), normally nothing or one chunk's worth.
     */
    static void deleteAll(Connection connection, String sessionId) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM events WHERE session_id = ?")) {
            delete.setString(1, sessionId);
            delete.executeUpdate();
        }
    }

    /**
     * The events' stored bytes are handed on as they are: nothing is parsed here (see UniversalEvent).
     *
     * @param schema the file's schema version ({@link Schema#VERSION} once migrated; see {@link ReadPool})
     */
    static List<UniversalEvent> page(Connection connection, int schema, String sessionId, long afterSequence,
                                     int limit) throws SQLException {
        if (!Schema.hasTables(schema)) {
            return List.of();
        }
        try (PreparedStatement select = connection.prepareStatement(Schema.marksRemovals(schema) ? PAGE
                : Schema.keepsRawApart(schema) ? PAGE_OF_SCHEMA_2 : PAGE_OF_SCHEMA_1)) {
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
    static Optional<UniversalEvent> lastOfTypes(Connection connection, int schema, String sessionId,
                                                Set<String> types) throws SQLException {
        if (!Schema.hasTables(schema)) {
            return Optional.empty();
        }
        String placeholders = String.join(", ", java.util.Collections.nCopies(types.size(), "?"));
        try (PreparedStatement select = connection.prepareStatement("SELECT "
                + (Schema.keepsRawApart(schema) ? COLUMNS : COLUMNS_OF_SCHEMA_1) + " FROM events"
                + " WHERE session_id = ?1 AND type IN (" + placeholders + ")"
                + (Schema.marksRemovals(schema) ? NOT_REMOVING : "") + " ORDER BY sequence DESC LIMIT 1")) {
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

    private static String pageSql(String columns, String notRemoving) {
        return "SELECT " + columns + " FROM events WHERE session_id = ?1 AND sequence > ?2" + notRemoving
                + " ORDER BY sequence LIMIT ?3";
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
