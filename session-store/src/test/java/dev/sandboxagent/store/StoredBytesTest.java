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

    /**
     * A commit that mixes long runs of one session (stored by multi-row inserts), their tails and appends of other
     * sessions (stored a row at a time), with raw payloads of every kind, stores each event in its own row with
     * all its columns, and the bytes of each are those of the event alone: the writer encodes every event with one
     * reused generator, so nothing of one event may leak into the next. (No characters outside the BMP: Jackson's
     * UTF-8 generator, the store's since encode-once, escapes them as surrogate pairs, where {@link OldFormat}'s
     * text generator does not.)
     */
    @Test
    void aCommitOfLongRunsAndInterleavedSessionsStoresEachEventAsEncodedAlone() throws Exception {
        List<UniversalEvent> committed = new CopyOnWriteArrayList<>();
        String[] lines = {"DELTA msg_1 1 ", "quote \" backslash \\ tab \t nl \n", "h\u00e9llo \u2603",
                "\u0001\u001f control", ""};
        try (SessionStore store = SessionStore.openSqlite(dataDir)) {
            store.onCommit(committed::addAll);
            for (String session : List.of("a", "b", "c")) {
                store.create(spec(session));
            }
            List<java.util.concurrent.CompletableFuture<List<UniversalEvent>>> appends = new ArrayList<>();
            int[][] plan = {{0, 150}, {1, 3}, {0, 64}, {2, 1}, {0, 63}, {1, 200}, {0, 1}};
            for (int[] step : plan) {
                String session = List.of("a", "b", "c").get(step[0]);
                List<EventDraft> drafts = new ArrayList<>();
                for (int i = 0; i < step[1]; i++) {
                    JsonNode raw = switch (i % 4) {
                        case 0 -> com.fasterxml.jackson.databind.node.TextNode.valueOf(lines[i % lines.length]);
                        case 1 -> null;
                        case 2 -> JSON.readTree("{\"line\":" + JSON.writeValueAsString(lines[i % lines.length])
                                + ",\"n\":[" + i + ",1.5,null]}");
                        default -> com.fasterxml.jackson.databind.node.TextNode.valueOf(session + i);
                    };
                    JsonNode data = JSON.createObjectNode().put("item_id", "msg_" + session)
                            .put("delta", lines[(i + 1) % lines.length] + i);
                    drafts.add(new EventDraft(i % 7 == 6 ? "item.completed" : "item.delta", "agent", i % 5 == 0,
                            data, raw, i % 3 == 0 ? null : "native-" + session));
                }
                appends.add(store.append(session, drafts));
            }
            appends.forEach(java.util.concurrent.CompletableFuture::join);
        }

        assertThat(committed).hasSize(150 + 3 + 64 + 1 + 63 + 200 + 1);
        List<Object[]> stored = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("sessions.db"));
             PreparedStatement select = c.prepareStatement("SELECT session_id, sequence, event_id, time, type,"
                     + " format, json, raw, typeof(session_id), typeof(time), typeof(sequence) FROM events"
                     + " ORDER BY session_id, sequence")) {
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    stored.add(new Object[] {rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getInt(6), rs.getBytes(7), rs.getBytes(8),
                            rs.getString(9) + "," + rs.getString(10) + "," + rs.getString(11)});
                }
            }
        }
        List<UniversalEvent> expected = committed.stream()
                .sorted(java.util.Comparator.comparing(UniversalEvent::sessionId)
                        .thenComparingLong(UniversalEvent::sequence)).toList();
        assertThat(stored).hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            UniversalEvent event = expected.get(i);
            Object[] row = stored.get(i);
            assertThat(row[0]).isEqualTo(event.sessionId());
            assertThat(row[1]).isEqualTo(event.sequence());
            assertThat(row[2]).isEqualTo(event.eventId());
            assertThat(row[3]).isEqualTo(event.time());
            assertThat(row[4]).isEqualTo(event.type());
            assertThat(row[5]).isEqualTo(2);
            assertThat((byte[]) row[6]).isEqualTo(event.encoded());
            assertThat((byte[]) row[7]).isEqualTo(event.encodedRaw());
            assertThat(row[8]).isEqualTo("text,text,integer");
            // Each event's bytes are its own, exactly as the whole event was always encoded.
            UniversalEvent decoded = UniversalEvent.stored(event.eventId(), event.sequence(), event.time(),
                    event.sessionId(), event.type(), event.encoded(), event.encodedRaw());
            assertThat(new String(event.encoded(true), StandardCharsets.UTF_8)).isEqualTo(OldFormat.encode(
                    event.eventId(), event.sequence(), event.time(), event.sessionId(), decoded.nativeSessionId(),
                    decoded.source(), decoded.synthetic(), event.type(), decoded.data(), decoded.raw()));
        }
        // Every session's sequences are 1..n, gap-free, in the order the appends were made.
        assertThat(stored.stream().filter(r -> r[0].equals("a")).map(r -> (Long) r[1]).toList())
                .isEqualTo(StoreTesting.oneTo(150 + 64 + 63 + 1));
        assertThat(stored.stream().filter(r -> r[0].equals("b")).map(r -> (Long) r[1]).toList())
                .isEqualTo(StoreTesting.oneTo(203));
    }

    /**
     * The writer keeps the quoted bytes of values that repeat from event to event (native id, source, type, time):
     * values that need escaping, are not ASCII or hold surrogate pairs, changing from one event to the next, come
     * out exactly as a fresh generator per event writes them, which is how events were always encoded.
     */
    @Test
    void repeatedValuesThatNeedEscapingAreWrittenAsAFreshGeneratorWritesThem() throws Exception {
        String[] natives = {"n-1", "quote\" back\\ ctl\u0001", "h\u00e9 \u2603", "emoji \ud83d\ude00", "n-1"};
        String[] types = {"item.delta", "ty\"pe", "item.delta", "t\u00ff", "item.delta"};
        List<UniversalEvent> stored = new ArrayList<>();
        try (SessionStore store = SessionStore.openSqlite(dataDir)) {
            store.create(spec("s"));
            for (int i = 0; i < 20; i++) {
                stored.addAll(store.append("s", List.of(new EventDraft(types[i % types.length],
                        i % 3 == 0 ? "agent" : "so\u00fcrce\n", i % 2 == 0, JSON.createObjectNode().put("i", i),
                        null, i % 6 == 5 ? null : natives[i % natives.length]))).join());
            }
        }
        for (UniversalEvent event : stored) {
            UniversalEvent decoded = UniversalEvent.stored(event.eventId(), event.sequence(), event.time(),
                    event.sessionId(), event.type(), event.encoded(), null);
            java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
            try (com.fasterxml.jackson.core.JsonGenerator out = JSON.getFactory().createGenerator(expected)) {
                out.writeStartObject();
                out.writeStringField("event_id", event.eventId());
                out.writeNumberField("sequence", event.sequence());
                out.writeStringField("time", event.time());
                out.writeStringField("session_id", event.sessionId());
                if (decoded.nativeSessionId() != null) {
                    out.writeStringField("native_session_id", decoded.nativeSessionId());
                }
                out.writeStringField("source", decoded.source());
                out.writeBooleanField("synthetic", decoded.synthetic());
                out.writeStringField("type", event.type());
                out.writeFieldName("data");
                JSON.writeTree(out, decoded.data());
                out.writeEndObject();
            }
            assertThat(new String(event.encoded(), StandardCharsets.UTF_8))
                    .isEqualTo(expected.toString(StandardCharsets.UTF_8));
        }
        assertThat(stored).extracting(UniversalEvent::nativeSessionId).contains("emoji \ud83d\ude00").containsNull();
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
