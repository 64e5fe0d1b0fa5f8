package dev.sandboxagent.store;

import static dev.sandboxagent.store.StoreTesting.spec;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An event is encoded once, when the store accepts it: the file holds its JSON without raw and its raw apart, and
 * the commit listeners and every read hand out exactly those bytes.
 */
class StoredBytesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    @Test
    void listenersAndReadsGetTheBytesInTheFileAndRawIsSplicedInAsItsLastField() throws Exception {
        JsonNode data = JSON.readTree("{\"text\":\"h\u00e9llo \\\"w\\\"\\n\",\"n\":[1,2.5,null,true]}");
        JsonNode raw = JSON.readTree("{\"line\":\"{\\\"type\\\":\\\"assistant\\\"}\"}");
        List<UniversalEvent> committed = new CopyOnWriteArrayList<>();
        List<UniversalEvent> read;
        try (SessionStore store = SessionStore.openSqlite(dataDir)) {
            store.onCommit(committed::addAll);
            store.create(spec("s"));
            store.append("s", List.of(new EventDraft("item.delta", "agent", false, data, raw, "native-1"),
                    EventDraft.daemon("turn.ended", JSON.readTree("{\"reason\":\"done\"}")))).join();
            read = store.read("s", 0, 10);
        }

        List<byte[][]> rows = rows(dataDir, "s");
        assertThat(rows).hasSize(2);
        assertThat(committed).hasSize(2);
        for (int i = 0; i < 2; i++) {
            assertThat(committed.get(i).encoded()).isEqualTo(rows.get(i)[0]);
            assertThat(read.get(i).encoded()).isEqualTo(rows.get(i)[0]);
            assertThat(committed.get(i).encodedRaw()).isEqualTo(rows.get(i)[1]);
            assertThat(read.get(i).encodedRaw()).isEqualTo(rows.get(i)[1]);
        }
        // The stored JSON leaves raw out; raw is stored apart, and spliced back in as the last field.
        String withoutRaw = new String(rows.get(0)[0], StandardCharsets.UTF_8);
        assertThat(JSON.readTree(withoutRaw).has("raw")).isFalse();
        assertThat(JSON.readTree(rows.get(0)[1])).isEqualTo(raw);
        String withRaw = new String(read.get(0).encoded(true), StandardCharsets.UTF_8);
        assertThat(withRaw).isEqualTo(withoutRaw.substring(0, withoutRaw.length() - 1) + ",\"raw\":"
                + new String(rows.get(0)[1], StandardCharsets.UTF_8) + "}");
        // ... which is the JSON of the whole event, field for field, as clients have always received it.
        assertThat(withRaw).isEqualTo(OldFormat.encode(read.get(0).eventId(), 1, read.get(0).time(), "s",
                "native-1", "agent", false, "item.delta", data, raw));
        assertThat(read.get(1).encodedRaw()).isNull();
        assertThat(read.get(1).encoded(true)).isSameAs(read.get(1).encoded());

        // The fields of a read event are parsed from those bytes, when asked for.
        UniversalEvent first = read.get(0);
        assertThat(first.data()).isEqualTo(data);
        assertThat(first.raw()).isEqualTo(raw);
        assertThat(first.nativeSessionId()).isEqualTo("native-1");
        assertThat(first.source()).isEqualTo("agent");
        assertThat(first.synthetic()).isFalse();
        assertThat(read.get(1).synthetic()).isTrue();
        assertThat(read.get(1).nativeSessionId()).isNull();
        // Jackson writes an event as its bytes with raw: what encoding the whole event always gave.
        assertThat(JSON.writeValueAsString(first)).isEqualTo(withRaw);
        assertThat(JSON.writeValueAsString(first.withoutRaw())).isEqualTo(withoutRaw);
    }

    /** Each event's stored {json, raw} columns, read from the file with a connection of its own. */
    static List<byte[][]> rows(Path dataDir, String sessionId) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("sessions.db"));
             PreparedStatement select = c.prepareStatement(
                     "SELECT json, raw FROM events WHERE session_id = ? ORDER BY sequence")) {
            select.setString(1, sessionId);
            List<byte[][]> rows = new ArrayList<>();
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    rows.add(new byte[][] {rs.getBytes(1), rs.getBytes(2)});
                }
            }
            return rows;
        }
    }
}
