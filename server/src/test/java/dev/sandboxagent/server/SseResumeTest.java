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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A client that drops mid-turn and reconnects with Last-Event-ID gets exactly what it missed. */
class SseResumeTest {
    @TempDir
    Path dataDir;

    @Test
    void reconnectingWithLastEventIdResumesWithNoGapAndNoDuplicate() {
        try (RunningServer server = RunningServer.start(dataDir)) {
            Api api = server.api();
            api.createSession("r", "mock");
            String turnId = api.sendMessage("r", "stream 400 5");

            SseReader first = server.sse("r", null);
            first.await(e -> e.path("type").asText().equals("item.delta")
                    && e.at("/data/delta").asText().equals("50 "), Duration.ofSeconds(30));
            first.close(); // mid-turn: hundreds of deltas still to come
            List<JsonNode> seen = first.events();
            long lastSeen = seen.get(seen.size() - 1).get("sequence").asLong();

            try (SseReader second = server.sse("r", lastSeen)) {
                second.await(e -> type("turn.ended").test(e) && e.at("/data/turn_id").asText().equals(turnId),
                        Duration.ofSeconds(60));
                List<JsonNode> all = new ArrayList<>(seen);
                all.addAll(second.events());
                assertThat(second.events().get(0).get("sequence").asLong()).isEqualTo(lastSeen + 1);
                List<JsonNode> stored = api.events("r");
                assertThat(all.stream().map(e -> e.get("event_id").asText()).toList())
                        .isEqualTo(stored.stream().map(e -> e.get("event_id").asText()).toList());
                assertThat(all).filteredOn(type("item.delta")).hasSize(400);
            }
            // the offset query parameter works the same way for a first connect
            try (SseReader fromOffset = SseReader.open(api.base() + "/v1/sessions/r/events/sse?offset=10",
                    api.token(), null)) {
                fromOffset.await(type("turn.ended"), Duration.ofSeconds(30));
                assertThat(fromOffset.events().get(0).get("sequence").asLong()).isEqualTo(11);
            }
        }
    }
}
