package dev.sandboxagent.server;

import static dev.sandboxagent.server.support.SseReader.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.RunningServer;
import dev.sandboxagent.server.support.SseReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Twenty sessions driven at once: every transcript is 1..n, gap-free, in order, in the store and on the wire. */
class ConcurrentSessionsTest {
    private static final int SESSIONS = 20;
    private static final int TURNS = 4;

    @TempDir
    Path dataDir;

    @Test
    void twentySessionsWithInterleavedTurnsKeepGapFreeOrderedTranscripts() throws Exception {
        try (RunningServer server = RunningServer.start(dataDir)) {
            Api api = server.api();
            List<String> ids = IntStream.range(0, SESSIONS).mapToObj(i -> "c" + i).toList();
            ids.forEach(id -> api.createSession(id, "mock"));
            List<SseReader> streams = ids.stream().map(id -> server.sse(id, null)).toList();

            ExecutorService pool = Executors.newFixedThreadPool(SESSIONS);
            try {
                List<Future<Integer>> drivers = new ArrayList<>();
                for (int i = 0; i < SESSIONS; i++) {
                    String id = ids.get(i);
                    SseReader sse = streams.get(i);
                    int deltas = 20 + i * 5;
                    drivers.add(pool.submit(() -> drive(api, sse, id, deltas)));
                }
                for (Future<Integer> driver : drivers) {
                    assertThat(driver.get()).isEqualTo(TURNS);
                }
            } finally {
                pool.shutdownNow();
            }

            for (int i = 0; i < SESSIONS; i++) {
                String id = ids.get(i);
                List<JsonNode> stored = api.events(id);
                // Each turn: the streamed message's deltas, plus the one delta the server gives the whole
                // "echo" message (an assistant message that did not stream gets its text as one delta).
                int expectedDeltas = TURNS * (20 + i * 5 + 1);
                assertThat(stored).filteredOn(type("item.delta")).hasSize(expectedDeltas);
                assertThat(SessionLifecycleTest.sequences(stored))
                        .as("stored sequences of %s", id)
                        .isEqualTo(SessionLifecycleTest.range(1, stored.size()));
                assertThat(stored).allMatch(e -> e.get("session_id").asText().equals(id));

                SseReader sse = streams.get(i);
                sse.awaitCount(stored.size(), Duration.ofSeconds(30));
                assertThat(SessionLifecycleTest.sequences(sse.events()))
                        .as("streamed sequences of %s", id)
                        .isEqualTo(SessionLifecycleTest.sequences(stored));
                assertThat(sse.events().stream().map(e -> e.get("event_id").asText()).toList())
                        .isEqualTo(stored.stream().map(e -> e.get("event_id").asText()).toList());
                // delta order within each message is the agent's order
                List<String> firstMessage = stored.stream().filter(type("item.delta"))
                        .limit(20 + i * 5).map(e -> e.at("/data/delta").asText()).toList();
                assertThat(firstMessage).isEqualTo(IntStream.rangeClosed(1, 20 + i * 5)
                        .mapToObj(n -> n + " ").toList());
                sse.close();
            }
        }
    }

    private static int drive(Api api, SseReader sse, String id, int deltas) {
        for (int turn = 0; turn < TURNS; turn++) {
            String turnId = api.sendMessage(id, "stream " + deltas + "\necho turn " + turn);
            sse.await(e -> type("turn.ended").test(e) && e.at("/data/turn_id").asText().equals(turnId),
                    Duration.ofSeconds(60));
        }
        return TURNS;
    }
}
