package dev.sandboxagent.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.RunningServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An event is encoded once, by the store: what a client receives, live on SSE, replayed on SSE (offset or
 * Last-Event-ID) or read with {@code GET .../events}, is the bytes of the event's row in the SQLite file, read
 * here with a connection of the test's own; with include_raw, those bytes with the stored raw spliced in as the
 * last field. Rewriting a row in the file (to JSON no encoder would write) and replaying it shows that replay
 * sends the stored bytes rather than encoding the event again.
 */
class EncodeOnceTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dataDir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void clientsReceiveTheStoredBytesLiveAndOnReplayWithAndWithoutRaw() throws Exception {
        try (RunningServer server = RunningServer.start(dataDir)) {
            Api api = server.api();
            api.createSession("b", "mock");
            long before = api.session("b").get("eventCount").asLong();
            String sse = api.base() + "/v1/sessions/b/events/sse?offset=" + before;

            // Live: both streams are open, caught up, before the turn produces anything.
            try (Frames plain = Frames.open(sse, api.token(), null);
                 Frames withRaw = Frames.open(sse + "&include_raw=true", api.token(), null)) {
                String turnId = api.sendMessage("b", "stream 5 1");
                Map<Long, String> livePlain = plain.until(turnEnded(turnId));
                Map<Long, String> liveRaw = withRaw.until(turnEnded(turnId));

                Map<Long, String[]> rows = rows("b");
                assertThat(livePlain.keySet()).isNotEmpty().isEqualTo(liveRaw.keySet());
                assertThat(livePlain.keySet()).allMatch(rows::containsKey);
                assertThat(livePlain.keySet()).as("the turn has agent events with raw")
                        .anyMatch(sequence -> rows.get(sequence)[1] != null);
                livePlain.forEach((sequence, data) -> assertThat(data).isEqualTo(rows.get(sequence)[0]));
                liveRaw.forEach((sequence, data) -> assertThat(data).isEqualTo(withRawSpliced(rows.get(sequence))));

                assertReplayIsStored(api, rows, turnId);

                // Rewrite one stored event with raw (spacing no encoder writes): replay sends it as it is.
                long rewritten = livePlain.keySet().stream().filter(sequence -> rows.get(sequence)[1] != null)
                        .findFirst().orElseThrow();
                rewrite("b", rewritten, "{ " + rows.get(rewritten)[0].substring(1), " " + rows.get(rewritten)[1]);
                Map<Long, String[]> changed = rows("b");
                assertThat(changed.get(rewritten)[0]).startsWith("{ \"event_id\"");
                assertReplayIsStored(api, changed, turnId);
            }
        }
    }

    /** Replayed over SSE (offset and Last-Event-ID) and read as a page or as every event: the stored bytes. */
    private void assertReplayIsStored(Api api, Map<Long, String[]> rows, String turnId) {
        String sse = api.base() + "/v1/sessions/b/events/sse";
        Map<Long, String> plainRows = new LinkedHashMap<>();
        Map<Long, String> rawRows = new LinkedHashMap<>();
        rows.forEach((sequence, row) -> {
            plainRows.put(sequence, row[0]);
            rawRows.put(sequence, withRawSpliced(row));
        });
        try (Frames fromZero = Frames.open(sse + "?offset=0", api.token(), null);
             Frames resumed = Frames.open(sse + "?includeRaw=true", api.token(), 2L)) {
            assertThat(fromZero.until(turnEnded(turnId))).isEqualTo(plainRows);
            Map<Long, String> afterTwo = new LinkedHashMap<>(rawRows);
            afterTwo.remove(1L);
            afterTwo.remove(2L);
            assertThat(resumed.until(turnEnded(turnId))).isEqualTo(afterTwo);
        }
        assertThat(get(api, "/v1/sessions/b/events")).isEqualTo(page(plainRows));
        assertThat(get(api, "/v1/sessions/b/events?include_raw=true")).isEqualTo(page(rawRows));
        assertThat(get(api, "/v1/sessions/b/events?limit=1000")).isEqualTo(page(plainRows));
        assertThat(get(api, "/v1/sessions/b/events?limit=1000&includeRaw=true")).isEqualTo(page(rawRows));
    }

    private static java.util.function.Predicate<String> turnEnded(String turnId) {
        return data -> data.contains("\"type\":\"turn.ended\"") && data.contains(turnId);
    }

    private static String page(Map<Long, String> events) {
        return events.values().stream().collect(Collectors.joining(",", "{\"events\":[", "],\"hasMore\":false}"));
    }

    /** The stored JSON with the stored raw as its last field: the splice the server documents. */
    private static String withRawSpliced(String[] row) {
        return row[1] == null ? row[0] : row[0].substring(0, row[0].length() - 1) + ",\"raw\":" + row[1] + "}";
    }

    private static String get(Api api, String path) {
        Api.Answer answer = api.get(path);
        assertThat(answer.status()).isEqualTo(200);
        return answer.body();
    }

    /** Each stored event's {json, raw} columns, by sequence, read from the SQLite file itself. */
    private Map<Long, String[]> rows(String sessionId) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("sessions.db"));
             PreparedStatement select = c.prepareStatement(
                     "SELECT sequence, json, raw FROM events WHERE session_id = ? ORDER BY sequence")) {
            select.setString(1, sessionId);
            Map<Long, String[]> rows = new LinkedHashMap<>();
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    byte[] raw = rs.getBytes(3);
                    rows.put(rs.getLong(1), new String[] {new String(rs.getBytes(2), StandardCharsets.UTF_8),
                            raw == null ? null : new String(raw, StandardCharsets.UTF_8)});
                }
            }
            return rows;
        }
    }

    private void rewrite(String sessionId, long sequence, String json, String raw) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("sessions.db"));
             Statement pragma = c.createStatement();
             PreparedStatement update = c.prepareStatement(
                     "UPDATE events SET json = ?, raw = ? WHERE session_id = ? AND sequence = ?")) {
            pragma.execute("PRAGMA busy_timeout = 10000");
            update.setBytes(1, json.getBytes(StandardCharsets.UTF_8));
            update.setBytes(2, raw.getBytes(StandardCharsets.UTF_8));
            update.setString(3, sessionId);
            update.setLong(4, sequence);
            assertThat(update.executeUpdate()).isEqualTo(1);
        }
    }

    /** An SSE response read line by line: each frame's {@code data:} exactly as received, by its {@code id:}. */
    private static final class Frames implements AutoCloseable {
        private final Stream<String> lines;
        private final Iterator<String> iterator;

        private Frames(Stream<String> lines) {
            this.lines = lines;
            this.iterator = lines.iterator();
        }

        static Frames open(String url, String token, Long lastEventId) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                    .header("Authorization", "Bearer " + token);
            if (lastEventId != null) {
                request.header("Last-Event-ID", Long.toString(lastEventId));
            }
            try {
                HttpResponse<Stream<String>> response = HTTP.send(request.build(),
                        HttpResponse.BodyHandlers.ofLines());
                assertThat(response.statusCode()).isEqualTo(200);
                return new Frames(response.body());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** Reads frames up to and including the first whose data matches {@code last}. */
        Map<Long, String> until(java.util.function.Predicate<String> last) {
            Map<Long, String> frames = new LinkedHashMap<>();
            Long id = null;
            while (iterator.hasNext()) {
                String line = iterator.next();
                if (line.startsWith("id: ")) {
                    id = Long.parseLong(line.substring(4));
                } else if (line.startsWith("data: ")) {
                    String data = line.substring(6);
                    assertThat(frames.put(id, data)).as("one data line per frame").isNull();
                    if (last.test(data)) {
                        return frames;
                    }
                }
            }
            throw new AssertionError("the stream ended before the awaited event; frames: " + frames.keySet());
        }

        @Override
        public void close() {
            lines.close();
        }
    }
}
