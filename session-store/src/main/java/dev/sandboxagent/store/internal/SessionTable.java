package dev.sandboxagent.store.internal;

import dev.sandboxagent.store.SessionRecord;
import dev.sandboxagent.store.SessionSpec;
import dev.sandboxagent.store.SessionState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** SQL on the {@code sessions} table. Writes run on the writer's connection inside its transaction. */
final class SessionTable {
    private static final String COLUMNS = "session_id, agent, agent_mode, permission_mode, model, variant, directory,"
            + " title, state, native_session_id, last_sequence, created_at, updated_at";
    /** Rows of deleted sessions whose events are still being removed are no session (see {@link Schema}). */
    private static final String LIVE = "removing = 0";
    private static final String FIND = "SELECT " + COLUMNS + " FROM sessions WHERE session_id = ? AND " + LIVE;
    private static final String ALL = "SELECT " + COLUMNS + " FROM sessions WHERE " + LIVE
            + " ORDER BY created_at, rowid";
    private static final String LAST_SEQUENCES = "SELECT session_id, last_sequence FROM sessions WHERE " + LIVE;
    // The same reads of a file before schema 3, which the store reads as it is while it cannot migrate it (read-only
    // on a full disk, see ReadPool): no column marks a row there, and every row is a session.
    private static final String FIND_UNMARKED = "SELECT " + COLUMNS + " FROM sessions WHERE session_id = ?";
    private static final String ALL_UNMARKED = "SELECT " + COLUMNS + " FROM sessions ORDER BY created_at, rowid";
    private static final String LAST_SEQUENCES_UNMARKED = "SELECT session_id, last_sequence FROM sessions";
    private static final String UPDATE_LAST_SEQUENCE =
            "UPDATE sessions SET last_sequence = ?, updated_at = ? WHERE session_id = ?";

    private SessionTable() {
    }

    /** False when the id is taken (the existing row is left as it is). */
    static boolean insert(Connection connection, SessionSpec spec, long now) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO sessions (" + COLUMNS + ")"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0, ?, ?) ON CONFLICT (session_id) DO NOTHING")) {
            insert.setString(1, spec.sessionId());
            insert.setString(2, spec.agent());
            insert.setString(3, spec.agentMode());
            insert.setString(4, spec.permissionMode());
            insert.setString(5, spec.model());
            insert.setString(6, spec.variant());
            insert.setString(7, spec.directory());
            insert.setString(8, spec.title());
            insert.setString(9, SessionState.ACTIVE.name());
            insert.setLong(10, now);
            insert.setLong(11, now);
            return insert.executeUpdate() == 1;
        }
    }

    /** @param schema the file's schema version ({@link Schema#VERSION} once migrated; see {@link ReadPool}) */
    static Optional<SessionRecord> find(Connection connection, int schema, String sessionId) throws SQLException {
        if (!Schema.hasTables(schema)) {
            return Optional.empty();
        }
        try (PreparedStatement select = connection.prepareStatement(
                Schema.marksRemovals(schema) ? FIND : FIND_UNMARKED)) {
            select.setString(1, sessionId);
            try (ResultSet rs = select.executeQuery()) {
                return rs.next() ? Optional.of(record(rs)) : Optional.empty();
            }
        }
    }

    /** Oldest first; rowid orders sessions created in the same millisecond. */
    static List<SessionRecord> all(Connection connection, int schema) throws SQLException {
        if (!Schema.hasTables(schema)) {
            return List.of();
        }
        try (PreparedStatement select = connection.prepareStatement(
                Schema.marksRemovals(schema) ? ALL : ALL_UNMARKED);
             ResultSet rs = select.executeQuery()) {
            List<SessionRecord> records = new ArrayList<>();
            while (rs.next()) {
                records.add(record(rs));
            }
            return records;
        }
    }

    static boolean updateState(Connection connection, String sessionId, SessionState state, long now)
            throws SQLException {
        return update(connection, "state", state.name(), sessionId, now);
    }

    static boolean updateNativeSessionId(Connection connection, String sessionId, String nativeSessionId, long now)
            throws SQLException {
        return update(connection, "native_session_id", nativeSessionId, sessionId, now);
    }

    /** Records each session's newest sequence after an append batch, in the batch's transaction. */
    /** Each commit of appends runs this, so it is one of the writer's kept statements. */
    static void updateLastSequences(KeptStatements statements, Map<String, Long> newest, long now)
            throws SQLException {
        PreparedStatement update = statements.get(UPDATE_LAST_SEQUENCE);
        for (Map.Entry<String, Long> session : newest.entrySet()) {
            update.setLong(1, session.getValue());
            update.setLong(2, now);
            update.setString(3, session.getKey());
            update.addBatch();
        }
        update.executeBatch();
    }

    /**
     * Marks the session deleted: from this commit on it is no session to any read or write, and its row stays only
     * as the mark that its events are still to be removed ({@link SessionRemover} deletes it with the last of them).
     * False if there was no such session (or it was deleted already).
     */
    static boolean markRemoving(Connection connection, String sessionId) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE sessions SET removing = 1 WHERE session_id = ? AND " + LIVE)) {
            update.setString(1, sessionId);
            return update.executeUpdate() == 1;
        }
    }

    /** Whether the session is deleted and its removal not finished (its row is the mark). */
    static boolean isRemoving(Connection connection, String sessionId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT 1 FROM sessions WHERE session_id = ? AND removing = 1")) {
            select.setString(1, sessionId);
            try (ResultSet rs = select.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Drops the mark of a finished removal; the session's events must be gone first (the foreign key). */
    static void deleteRemoved(Connection connection, String sessionId) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement(
                "DELETE FROM sessions WHERE session_id = ? AND removing = 1")) {
            delete.setString(1, sessionId);
            delete.executeUpdate();
        }
    }

    /** The deleted sessions whose events are still to be removed, in the order they were created. */
    static List<String> removing(Connection connection, int schema) throws SQLException {
        if (!Schema.marksRemovals(schema)) {
            return List.of();
        }
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT session_id FROM sessions WHERE removing = 1 ORDER BY created_at, rowid");
             ResultSet rs = select.executeQuery()) {
            List<String> ids = new ArrayList<>();
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
            return ids;
        }
    }

    /** Recovery at open: the process that had these sessions live is gone. */
    static int interruptActive(Connection connection, long now) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE sessions SET state = ?, updated_at = ? WHERE state = ? AND " + LIVE)) {
            update.setString(1, SessionState.INTERRUPTED.name());
            update.setLong(2, now);
            update.setString(3, SessionState.ACTIVE.name());
            return update.executeUpdate();
        }
    }

    static Map<String, Long> lastSequences(Connection connection, int schema) throws SQLException {
        if (!Schema.hasTables(schema)) {
            return new HashMap<>();
        }
        try (PreparedStatement select = connection.prepareStatement(
                Schema.marksRemovals(schema) ? LAST_SEQUENCES : LAST_SEQUENCES_UNMARKED);
             ResultSet rs = select.executeQuery()) {
            Map<String, Long> last = new HashMap<>();
            while (rs.next()) {
                last.put(rs.getString(1), rs.getLong(2));
            }
            return last;
        }
    }

    private static boolean update(Connection connection, String column, String value, String sessionId, long now)
            throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE sessions SET " + column + " = ?, updated_at = ? WHERE session_id = ? AND " + LIVE)) {
            update.setString(1, value);
            update.setLong(2, now);
            update.setString(3, sessionId);
            return update.executeUpdate() == 1;
        }
    }

    private static SessionRecord record(ResultSet rs) throws SQLException {
        SessionSpec spec = new SessionSpec(rs.getString("session_id"), rs.getString("agent"),
                rs.getString("agent_mode"), rs.getString("permission_mode"), rs.getString("model"),
                rs.getString("variant"), rs.getString("directory"), rs.getString("title"));
        return new SessionRecord(spec, SessionState.valueOf(rs.getString("state")),
                rs.getString("native_session_id"), rs.getLong("last_sequence"), rs.getLong("created_at"),
                rs.getLong("updated_at"));
    }
}
