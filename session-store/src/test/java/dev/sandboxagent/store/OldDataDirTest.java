package dev.sandboxagent.store;

import static dev.sandboxagent.store.StoreTesting.readAll;
import static dev.sandboxagent.store.StoreTesting.sequences;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory written before encode-once (schema version 1: raw inside each event's JSON) opens, replays the
 * same bytes the server sent for it then, and takes new events in the new layout after them.
 */
class OldDataDirTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    @Test
    void aVersion1FileMigratesAndReplaysItsEventsByteForByte() throws Exception {
        JsonNode data = JSON.readTree("{\"delta\":\"h\u00e9llo \\\"w\\\"\",\"item_id\":\"i1\"}");
        JsonNode raw = JSON.readTree("{\"line\":\"{\\\"type\\\":\\\"assistant\\\"}\",\"n\":2.5}");
        JsonNode ended = JSON.readTree("{\"turn_id\":\"turn_1\",\"status\":\"completed\"}");
        String first = OldFormat.encode("evt_1", 1, "2026-11-01T10:00:00.000Z", "old", "native-1", "agent", false,
                "item.delta", data, raw);
        String second = OldFormat.encode("evt_2", 2, "2026-11-01T10:00:00.001Z", "old", null, "daemon", true,
                "turn.ended", ended, null);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("sessions.db"));
             Statement statement = c.createStatement()) {
            for (String sql : OldFormat.SCHEMA_1) {
                statement.execute(sql);
            }
            statement.execute("INSERT INTO sessions (session_id, agent, agent_mode, permission_mode, directory,"
                    + " state, last_sequence, created_at, updated_at)"
                    + " VALUES ('old', 'mock', 'build', 'default', '/work/project', 'ACTIVE', 2, 1, 1)");
            try (PreparedStatement insert = c.prepareStatement(
                    "INSERT INTO events (session_id, sequence, event_id, time, type, json) VALUES (?, ?, ?, ?, ?, ?)")) {
                insert.setString(1, "old");
                insert.setLong(2, 1);
                insert.setString(3, "evt_1");
                insert.setString(4, "2026-11-01T10:00:00.000Z");
                insert.setString(5, "item.delta");
                insert.setString(6, first);
                insert.execute();
                insert.setLong(2, 2);
                insert.setString(3, "evt_2");
                insert.setString(4, "2026-11-01T10:00:00.001Z");
                insert.setString(5, "turn.ended");
                insert.setString(6, second);
                insert.execute();
            }
        }

        try (SessionStore store = SessionStore.openSqlite(dataDir)) {
            assertThat(store.get("old").orElseThrow().state()).isEqualTo(SessionState.INTERRUPTED);
            List<UniversalEvent> events = store.read("old", 0, 10);
            assertThat(sequences(events)).containsExactly(1L, 2L);
            // With raw: the old JSON verbatim. Without: what the server sent without raw.
            assertThat(utf8(events.get(0).encoded(true))).isEqualTo(first);
            assertThat(utf8(events.get(0).encoded())).isEqualTo(OldFormat.encode("evt_1", 1,
                    "2026-11-01T10:00:00.000Z", "old", "native-1", "agent", false, "item.delta", data, null));
            assertThat(utf8(events.get(1).encoded())).isEqualTo(second);
            assertThat(utf8(events.get(1).encoded(true))).isEqualTo(second);
            assertThat(events.get(0).data()).isEqualTo(data);
            assertThat(events.get(0).raw()).isEqualTo(raw);
            assertThat(events.get(0).nativeSessionId()).isEqualTo("native-1");
            assertThat(store.lastOfTypes("old", Set.of("turn.ended"))).hasValueSatisfying(e ->
                    assertThat(e.data().path("turn_id").asText()).isEqualTo("turn_1"));

            List<UniversalEvent> appended = store.append("old", List.of(new EventDraft("item.delta", "agent",
                    false, data, raw, "native-1"))).join();
            assertThat(appended.get(0).sequence()).isEqualTo(3);
        }

        try (SessionStore reopened = SessionStore.openSqlite(dataDir)) {
            List<UniversalEvent> all = readAll(reopened, "old");
            assertThat(sequences(all)).containsExactly(1L, 2L, 3L);
            assertThat(utf8(all.get(0).encoded(true))).isEqualTo(first);
            assertThat(all.get(2).raw()).isEqualTo(raw);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("sessions.db"));
             Statement statement = c.createStatement()) {
            try (ResultSet rs = statement.executeQuery("PRAGMA user_version")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(3);
            }
            // Old rows are left as they were; the new one has its raw apart.
            try (ResultSet rs = statement.executeQuery("SELECT format, raw IS NULL FROM events ORDER BY sequence")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(1);
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(1);
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(2);
                assertThat(rs.getBoolean(2)).isFalse();
            }
        }
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
