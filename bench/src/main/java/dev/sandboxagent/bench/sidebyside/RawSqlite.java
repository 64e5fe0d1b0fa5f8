package dev.sandboxagent.bench.sidebyside;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The floor the event pipeline is compared with: the same number of rows, shaped like our stored events, inserted
 * straight through the sqlite-jdbc driver the store uses, 1,000 rows per transaction, into a fresh file on the same
 * disk as the servers' data, in WAL mode. {@code synchronous} is the store's (NORMAL since the store syncs its WAL in
 * the background: docs/operations.md "What a crash can take from the transcripts") for the floor the pipeline is
 * compared with, and FULL for the figure the issue first measured (a sync at every commit).
 */
final class RawSqlite {
    private RawSqlite() {
    }

    /** The {@code synchronous} levels the floor is measured at. */
    enum Sync { NORMAL, FULL }

    /** Inserts {@code rows} rows into a new database in {@code dir}; returns rows per second. */
    static double insertRate(Path dir, int rows, Sync sync) throws SQLException, java.io.IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("raw.db");
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("PRAGMA journal_mode = WAL");
                statement.execute("PRAGMA synchronous = " + sync.name());
                // the columns of the store's events table (session-store Schema), without the foreign key
                statement.execute("CREATE TABLE events (session_id TEXT NOT NULL, sequence INTEGER NOT NULL, "
                        + "event_id TEXT NOT NULL, time TEXT NOT NULL, type TEXT NOT NULL, json TEXT NOT NULL, "
                        + "PRIMARY KEY (session_id, sequence))");
            }
            connection.setAutoCommit(false);
            long start = System.nanoTime();
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO events (session_id, sequence, event_id, time, type, json) VALUES (?,?,?,?,?,?)")) {
                for (int i = 1; i <= rows; i++) {
                    String eventId = String.format("evt_%032x", i);
                    String time = "2026-12-01T14:35:55.984Z";
                    insert.setString(1, "stream");
                    insert.setLong(2, i);
                    insert.setString(3, eventId);
                    insert.setString(4, time);
                    insert.setString(5, dev.sandboxagent.schema.EventType.ITEM_DELTA.wire());
                    // the JSON of one of our item.delta events, as the store keeps it
                    insert.setString(6, "{\"event_id\":\"" + eventId + "\",\"sequence\":" + i + ",\"time\":\""
                            + time + "\",\"session_id\":\"stream\",\"native_session_id\":\"mock-1796135754952338-9857\","
                            + "\"source\":\"agent\",\"synthetic\":false,\"type\":\"item.delta\",\"data\":{\"item_id\":"
                            + "\"msg_1_2\",\"delta\":\"" + i + " \"}}");
                    insert.addBatch();
                    if (i % 1000 == 0 || i == rows) {
                        insert.executeBatch();
                        connection.commit();
                    }
                }
            }
            return rows / ((System.nanoTime() - start) / 1e9);
        } finally {
            for (String suffix : new String[] {"", "-wal", "-shm"}) {
                Files.deleteIfExists(dir.resolve("raw.db" + suffix));
            }
        }
    }
}
