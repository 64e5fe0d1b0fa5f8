package dev.sandboxagent.store.internal;

import dev.sandboxagent.store.StoreException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The tables, versioned by {@code PRAGMA user_version}. {@code MIGRATIONS.get(v)} takes a file from version
 * {@code v} to {@code v + 1}; a later change appends a step and never edits a shipped one.
 */
final class Schema {
    private static final List<List<String>> MIGRATIONS = List.of(List.of(
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
            // A rowid table, not WITHOUT ROWID: events are often larger than the twentieth of a page below which
            // SQLite recommends WITHOUT ROWID. The foreign key (no cascade: delete removes events explicitly) makes
            // an insert for a deleted session fail instead of leaving orphans.
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
            ) WITHOUT ROWID"""),
            // Version 2, encode once: json holds the event as sent to clients, without raw, and raw (the agent's
            // own payload) is kept apart, so neither is ever encoded again. Rows of version 1 keep raw inside
            // json; format says which a row is (1: raw inside json, 2: raw apart), and reading a format-1 row
            // splits it (EventTable). Existing rows are not rewritten: a migration that rewrote a long log would
            // hold up the start for as long as that takes.
            List.of(
                    "ALTER TABLE events ADD COLUMN raw BLOB",
                    "ALTER TABLE events ADD COLUMN format INTEGER NOT NULL DEFAULT 1"),
            // Version 3, a delete that does not stall the writer: a deleted session's row stays, with removing = 1,
            // until its events are gone. The row is the mark that a removal is pending (it survives a crash, and a
            // restart resumes the removal), and it keeps the events' foreign key true while they are removed in
            // short transactions (SessionRemover). Every read of sessions skips such rows, and reads of their
            // events find none (EventTable).
            List.of("ALTER TABLE sessions ADD COLUMN removing INTEGER NOT NULL DEFAULT 0"));

    static final int VERSION = MIGRATIONS.size();

    private Schema() {
    }

    /**
     * Whether a file of this version has the tables at all: version 0 is a file nothing was written to yet (a new
     * data directory whose first open found no room to make them).
     */
    static boolean hasTables(int version) {
        return version >= 1;
    }

    /** Whether a file of this version keeps each event's format and raw apart (version 2, encode-once). */
    static boolean keepsRawApart(int version) {
        return version >= 2;
    }

    /** Whether a file of this version may hold the rows of deleted sessions, marked (version 3, sessions.removing). */
    static boolean marksRemovals(int version) {
        return version >= 3;
    }

    /** Brings the file to {@link #VERSION} in one transaction; refuses a file written by a newer build. */
    static void migrate(Connection connection, Path file) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            int found = userVersion(statement);
            refuseNewer(found, file);
            if (found == VERSION) {
                return;
            }
            statement.execute("BEGIN IMMEDIATE");
            try {
                for (int version = found; version < VERSION; version++) {
                    for (String sql : MIGRATIONS.get(version)) {
                        statement.execute(sql);
                    }
                }
                // user_version is part of the database header, so it commits or rolls back with the tables.
                statement.execute("PRAGMA user_version = " + VERSION);
                statement.execute("COMMIT");
            } catch (SQLException | RuntimeException e) {
                StoreDatabase.rollbackQuietly(connection);
                throw e;
            }
        }
    }

    /**
     * The version of the file as it is, for reads of a file the store could not migrate (it opened read-only on a
     * full disk, and only the writer migrates): they name only what that version has. Refuses a file written by a
     * newer build, as {@link #migrate} does.
     */
    static int version(Connection connection, Path file) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            int found = userVersion(statement);
            refuseNewer(found, file);
            return found;
        }
    }

    private static void refuseNewer(int found, Path file) {
        if (found > VERSION) {
            throw new StoreException(file + " has schema version " + found + " but this build knows only up to "
                    + VERSION + "; run a newer sandbox-agent (the file was left untouched)");
        }
    }

    private static int userVersion(Statement statement) throws SQLException {
        try (ResultSet rs = statement.executeQuery("PRAGMA user_version")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
