package dev.sandboxagent.server;

import static dev.sandboxagent.server.support.SseReader.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.ServerProcess;
import dev.sandboxagent.server.support.SseReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 of the server mid-stream loses no event any client saw; the session resumes on the next message. */
class KillRecoveryTest {
    @TempDir
    Path dataDir;
    @TempDir
    Path logs;

    @Test
    void aKilledServerLosesNothingAClientSawAndTheSessionContinues() throws Exception {
        List<JsonNode> seen;
        try (ServerProcess first = ServerProcess.start(dataDir, logs.resolve("first.log"))) {
            Api api = first.api();
            api.createSession("k", "mock");
            api.createSession("idle", "mock");
            try (SseReader sse = first.sse("k", null)) {
                // ~1 ms apart: 20 s of streaming or more. Long enough that the kill lands mid-turn even when this
                // client reads far behind the store (on a loaded machine it was seen 3,500 events behind, and a
                // 5,000-delta turn had already ended, stored, when the kill came).
                api.sendMessage("k", "stream 20000 1");
                // kill while the deltas are still flowing
                sse.await(e -> e.at("/data/delta").asText().equals("1500 "), Duration.ofSeconds(60));
                first.kill9();
                sse.awaitEnd(Duration.ofSeconds(30));
                seen = sse.events();
            }
        }
        assertThat(seen.size()).isGreaterThan(1500);
        assertThat(seen).as("killed mid-turn").noneMatch(type("turn.ended"));

        try (ServerProcess second = ServerProcess.start(dataDir, logs.resolve("second.log"))) {
            Api api = second.api();
            List<JsonNode> stored = api.events("k");
            // the turn the kill cut short is closed, so nobody waits for it forever
            JsonNode closing = stored.get(stored.size() - 1);
            assertThat(closing.get("type").asText()).isEqualTo("turn.ended");
            assertThat(closing.at("/data/metadata/status").asText()).isEqualTo("interrupted");
            assertThat(closing.at("/data/turn_id").asText()).isEqualTo(seen.stream()
                    .filter(type("turn.started")).findFirst().orElseThrow().at("/data/turn_id").asText());
            assertThat(SessionLifecycleTest.sequences(stored))
                    .isEqualTo(SessionLifecycleTest.range(1, stored.size()));
            Map<Long, JsonNode> bySequence = stored.stream()
                    .collect(Collectors.toMap(e -> e.get("sequence").asLong(), Function.identity()));
            for (JsonNode event : seen) {
                assertThat(bySequence.get(event.get("sequence").asLong())).as("event %s", event).isEqualTo(event);
            }

            JsonNode info = api.session("k");
            assertThat(info.get("state").asText()).isEqualTo("interrupted");
            assertThat(info.get("ended").asBoolean()).isFalse();
            assertThat(api.session("idle").get("state").asText()).isEqualTo("interrupted");

            try (SseReader sse = second.sse("k", (long) stored.size())) {
                String turnId = api.sendMessage("k", "echo back again");
                sse.await(e -> type("turn.ended").test(e) && e.at("/data/turn_id").asText().equals(turnId),
                        Duration.ofSeconds(30));
                List<String> types = sse.events().stream().map(e -> e.get("type").asText()).toList();
                assertThat(types.get(0)).isEqualTo("session.resumed");
                assertThat(sse.events().get(0).get("sequence").asLong()).isEqualTo(stored.size() + 1);
                assertThat(sse.events()).anyMatch(e -> e.at("/data/item/content/0/text").asText()
                        .equals("back again"));
            }
            assertThat(api.session("k").get("state").asText()).isEqualTo("active");
            assertThat(second.terminate()).isIn(0, 143);
        }
    }
}
