package dev.sandboxagent.server;

import static dev.sandboxagent.server.support.SseReader.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.RunningServer;
import dev.sandboxagent.server.support.SseReader;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an event-stream client notices: heartbeats, browser-style auth, raw payloads, paging. */
class EventStreamTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;
    RunningServer server;
    Api api;

    @BeforeEach
    void start() {
        server = RunningServer.start(RunningServer.config(dataDir, RunningServer.TOKEN, 1024 * 1024)
                .withHeartbeat(Duration.ofMillis(200)));
        api = server.api();
        api.createSession("e", "mock");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void anIdleStreamGetsHeartbeatCommentsAndStillDeliversLaterEvents() {
        try (SseReader sse = server.sse("e", 1L)) {
            sse.awaitComments(3, WAIT);
            assertThat(sse.comments()).contains("heartbeat");
            assertThat(sse.events()).isEmpty();
            api.sendMessage("e", "echo late");
            JsonNode first = sse.await(type("turn.started"), WAIT);
            assertThat(first.get("sequence").asLong()).isEqualTo(2);
        }
    }

    @Test
    void browsersMayPassTheTokenAsAQueryParameterOnStreamsOnly() {
        try (SseReader sse = SseReader.open(api.base() + "/v1/sessions/e/events/sse?token=" + RunningServer.TOKEN,
                null, null)) {
            assertThat(sse.status()).isEqualTo(200);
            sse.await(type("session.started"), WAIT);
        }
        assertThat(api.withToken(null).get("/v1/sessions?token=" + RunningServer.TOKEN).status()).isEqualTo(401);
    }

    @Test
    void rawPayloadsOnlyWhenAskedFor() {
        try (SseReader sse = server.sse("e", null)) {
            api.sendMessage("e", "unparsed <<garbage>>");
            sse.await(type("turn.ended"), WAIT);
        }
        JsonNode plain = api.get("/v1/sessions/e/events").json().get("events");
        JsonNode withRaw = api.get("/v1/sessions/e/events?include_raw=true").json().get("events");
        JsonNode unparsed = null;
        for (JsonNode e : withRaw) {
            if (e.get("type").asText().equals("agent.unparsed")) {
                unparsed = e;
            }
        }
        assertThat(unparsed).as("agent.unparsed event").isNotNull();
        assertThat(unparsed.get("raw").asText()).contains("<<garbage>>");
        assertThat(unparsed.at("/data/error").asText()).isNotBlank();
        plain.forEach(e -> assertThat(e.has("raw")).isFalse());
    }

    @Test
    void pagesFollowOffsetAndLimit() {
        try (SseReader sse = server.sse("e", null)) {
            api.sendMessage("e", "stream 30");
            sse.await(type("turn.ended"), WAIT);
        }
        JsonNode page = api.get("/v1/sessions/e/events?offset=5&limit=10").json();
        assertThat(page.get("events")).hasSize(10);
        assertThat(page.get("events").get(0).get("sequence").asLong()).isEqualTo(6);
        assertThat(page.get("hasMore").asBoolean()).isTrue();
        long total = api.session("e").get("eventCount").asLong();
        JsonNode tail = api.get("/v1/sessions/e/events?offset=" + (total - 3)).json();
        assertThat(tail.get("events")).hasSize(3);
        assertThat(tail.get("hasMore").asBoolean()).isFalse();
    }
}
