package dev.sandboxagent.server;

import static dev.sandboxagent.server.support.SseReader.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.agents.testing.Eventually;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.RawHttp;
import dev.sandboxagent.server.support.ServerPerTest;
import dev.sandboxagent.server.support.SseReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/**
 * What a client written for the anchor (its v0.1 API) relies on and would silently break on, through the real
 * server with the mock agent under a real PTY: item lifecycles, query spellings, where a turn's stream ends, how an
 * agent's exit is told, and list order. Agent-specific points are in ClaudeSessionTest / CodexAdapterTest.
 */
class AnchorSemanticsTest extends ServerPerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void everyItemStartsBeforeItCompletesAndAWholeMessageGetsOneDelta() {
        api.createSession("items", "mock");
        try (SseReader sse = server.sse("items", null)) {
            api.sendMessage("items", "echo hello whole\ntool bash ls\nstream 3");
            sse.await(type("turn.ended"), WAIT);
            List<JsonNode> events = sse.events();
            Set<String> started = new HashSet<>();
            Map<String, StringBuilder> deltas = new HashMap<>();
            List<String> completedKinds = new ArrayList<>();
            for (JsonNode e : events) {
                String t = e.path("type").asText();
                if (t.equals("item.started")) {
                    assertThat(started.add(e.at("/data/item/item_id").asText())).as("started once: %s", e).isTrue();
                } else if (t.equals("item.delta")) {
                    String id = e.at("/data/item_id").asText();
                    assertThat(started).as("delta after its start: %s", e).contains(id);
                    deltas.computeIfAbsent(id, k -> new StringBuilder()).append(e.at("/data/delta").asText());
                } else if (t.equals("item.completed")) {
                    JsonNode item = e.at("/data/item");
                    assertThat(started).as("completed after its start: %s", e).contains(item.path("item_id").asText());
                    completedKinds.add(item.path("role").asText() + ":" + item.path("kind").asText());
                    if (item.path("role").asText().equals("assistant") && item.path("kind").asText().equals("message")) {
                        // The deltas add up to the message: one made-up delta for the whole message, the agent's
                        // own for the streamed one (none added).
                        assertThat(deltas.get(item.path("item_id").asText())).as("deltas of %s", item).isNotNull();
                        assertThat(deltas.get(item.path("item_id").asText()).toString())
                                .isEqualTo(item.at("/content/0/text").asText());
                    }
                }
            }
            assertThat(completedKinds).containsExactly("user:message", "assistant:message", "assistant:tool_call",
                    "tool:tool_result", "assistant:message");
            assertThat(events).filteredOn(type("item.delta")).hasSize(1 + 3);
            JsonNode userStart = events.stream().filter(type("item.started")).findFirst().orElseThrow();
            assertThat(userStart.at("/data/item/role").asText()).isEqualTo("user");
            assertThat(userStart.path("synthetic").asBoolean()).isTrue();
            assertThat(userStart.at("/data/item/status").asText()).isEqualTo("in_progress");
        }
    }

    @Test
    void eventRoutesTakeIncludeRawInBothSpellings() {
        api.createSession("raw", "mock");
        String turn = api.sendMessage("raw", "echo raw please");
        try (SseReader plain = server.sse("raw", null)) {
            plain.await(e -> e.path("type").asText().equals("turn.ended"), WAIT);
            assertThat(plain.events()).noneMatch(e -> e.has("raw"));
        }
        assertThat(turn).isNotEmpty();
        for (String query : List.of("includeRaw=true", "include_raw=true")) {
            JsonNode page = api.get("/v1/sessions/raw/events?" + query).json().get("events");
            assertThat(page).as(query).anyMatch(e -> e.has("raw"));
            try (SseReader sse = SseReader.open(api.base() + "/v1/sessions/raw/events/sse?" + query, api.token(),
                    null)) {
                sse.await(e -> e.path("type").asText().equals("turn.ended"), WAIT);
                assertThat(sse.events()).as(query).anyMatch(e -> e.has("raw"));
            }
        }
        assertThat(api.get("/v1/sessions/raw/events").json().get("events")).noneMatch(e -> e.has("raw"));
        assertThat(api.get("/v1/sessions/raw/events?include_raw=true&includeRaw=false").status()).isEqualTo(400);
    }

    @Test
    void withoutALimitTheEventsRouteReturnsEveryEventWrittenOutInPages() {
        api.createSession("all", "mock");
        try (SseReader sse = server.sse("all", null)) {
            api.sendMessage("all", "stream 2500");
            sse.await(type("turn.ended"), WAIT);
        }
        long total = api.session("all").get("eventCount").asLong();
        assertThat(total).isGreaterThan(2500);

        RawHttp.Answer answer = new RawHttp(server.port()).send("GET /v1/sessions/all/events HTTP/1.1",
                Map.of("Authorization", "Bearer " + api.token()), null);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.header("transfer-encoding")).isEqualTo("chunked");
        List<String> chunks = chunks(answer.body());
        // Written a store page at a time, never as one body built in memory.
        assertThat(chunks.size()).isGreaterThanOrEqualTo((int) (total / 512));
        JsonNode body = json(String.join("", chunks));
        assertThat(body.get("hasMore").asBoolean()).isFalse();
        List<Long> sequences = StreamSupport.stream(body.get("events").spliterator(), false)
                .map(e -> e.get("sequence").asLong()).toList();
        assertThat(sequences).hasSize((int) total);
        assertThat(sequences.get(0)).isEqualTo(1);
        assertThat(sequences.get(sequences.size() - 1)).isEqualTo(total);
        assertThat(body.get("events")).noneMatch(e -> e.has("raw"));

        // With an offset and no limit: everything after it. With a limit: a page, as before.
        JsonNode tail = api.get("/v1/sessions/all/events?offset=" + (total - 2)).json();
        assertThat(tail.get("events")).hasSize(2);
        JsonNode page = api.get("/v1/sessions/all/events?limit=10").json();
        assertThat(page.get("events")).hasSize(10);
        assertThat(page.get("hasMore").asBoolean()).isTrue();
        assertThat(api.get("/v1/sessions/nobody/events").status()).isEqualTo(404);
    }

    @Test
    void theServedOpenApiDocumentNamesBothSpellingsAndTheUnlimitedRead() {
        JsonNode paths = api.get("/openapi.json").json().get("paths");
        for (String path : List.of("/v1/sessions/{session_id}/events", "/v1/sessions/{session_id}/events/sse",
                "/v1/sessions/{session_id}/messages/stream")) {
            JsonNode operation = paths.get(path).elements().next();
            List<String> names = StreamSupport.stream(operation.get("parameters").spliterator(), false)
                    .map(p -> p.get("name").asText()).toList();
            assertThat(names).as(path).contains("include_raw", "includeRaw");
        }
        JsonNode limit = StreamSupport.stream(paths.at("/~1v1~1sessions~1{session_id}~1events/get/parameters")
                .spliterator(), false).filter(p -> p.get("name").asText().equals("limit")).findFirst().orElseThrow();
        assertThat(limit.get("description").asText()).contains("without it, every event");
    }

    @Test
    void aTurnsStreamEndsWhereTheAnchorsDoes() {
        api.createSession("st", "mock");
        Map<String, String> lastTypeByMessage = new java.util.LinkedHashMap<>();
        lastTypeByMessage.put("echo before\npermission write x\necho after", "permission.requested");
        lastTypeByMessage.put("question ok?\necho after", "question.requested");
        lastTypeByMessage.put("error broke\necho after", "error");
        lastTypeByMessage.put("unparsed ???\necho after", "agent.unparsed");
        for (Map.Entry<String, String> c : lastTypeByMessage.entrySet()) {
            List<JsonNode> events = streamTurn("st", c.getKey());
            assertThat(events.get(0).path("type").asText()).isEqualTo("turn.started");
            assertThat(events.get(events.size() - 1).path("type").asText()).as(c.getKey()).isEqualTo(c.getValue());
            assertThat(events).as(c.getKey()).noneMatch(type("turn.ended"));
            if (c.getValue().equals("permission.requested")) {
                Api.require(api.post("/v1/sessions/st/permissions/" + events.get(events.size() - 1)
                        .at("/data/permission_id").asText() + "/reply", "{\"reply\":\"once\"}"), 204);
            } else if (c.getValue().equals("question.requested")) {
                Api.require(api.post("/v1/sessions/st/questions/" + events.get(events.size() - 1)
                        .at("/data/question_id").asText() + "/reject", null), 204);
            }
            awaitIdle("st");
        }
        // An agent that exits mid-turn: the stream ends at the error that says so, before the ends.
        List<JsonNode> exited = streamTurn("st", "exit 3");
        assertThat(exited.get(exited.size() - 1).path("type").asText()).isEqualTo("error");
    }

    @Test
    void anAgentThatExitsSaysSoWithAnErrorBeforeTheTurnAndTheSessionEnd() {
        api.createSession("ex", "mock");
        try (SseReader sse = server.sse("ex", null)) {
            String turn = api.sendMessage("ex", "stderr going away\nexit 3");
            sse.await(type("session.ended"), WAIT);
            List<String> types = sse.events().stream().map(e -> e.path("type").asText()).toList();
            assertThat(types.subList(types.size() - 3, types.size()))
                    .containsExactly("error", "turn.ended", "session.ended");
            JsonNode error = sse.events().get(types.size() - 3);
            assertThat(error.at("/data/code").asText()).isEqualTo("agent_process_exited");
            assertThat(error.at("/data/details/exit_code").asInt()).isEqualTo(3);
            JsonNode ended = sse.events().get(types.size() - 2);
            assertThat(ended.at("/data/turn_id").asText()).isEqualTo(turn);
            assertThat(ended.at("/data/metadata/status").asText()).isEqualTo("error");
        }
        // A session ended on request is not an error.
        api.createSession("asked", "mock");
        Api.require(api.post("/v1/sessions/asked/terminate", null), 204);
        assertThat(api.events("asked")).noneMatch(type("error"));
    }

    @Test
    void sessionsAreListedNewestFirst() {
        for (String id : List.of("first", "second", "third")) {
            api.createSession(id, "mock");
        }
        List<String> listed = StreamSupport.stream(api.get("/v1/sessions").json().get("sessions").spliterator(),
                false).map(s -> s.get("sessionId").asText()).toList();
        assertThat(listed).containsExactly("third", "second", "first");
    }

    /** POST .../messages/stream: every event it sent before it ended. */
    private List<JsonNode> streamTurn(String id, String message) {
        try (SseReader stream = SseReader.open(HttpRequest.newBuilder(
                        URI.create(api.base() + "/v1/sessions/" + id + "/messages/stream"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Api.json(Map.of("message", message)))),
                api.token(), null)) {
            assertThat(stream.status()).isEqualTo(200);
            stream.awaitEnd(WAIT);
            return stream.events();
        }
    }

    private void awaitIdle(String id) {
        Eventually.until("turn of " + id + " ended", WAIT, () -> api.session(id).get("runningTurnId").isNull());
    }

    /** The data of each chunk of a chunked body, in order (the zero-length last chunk left out). */
    private static List<String> chunks(String body) {
        List<String> chunks = new ArrayList<>();
        int at = 0;
        while (true) {
            int lineEnd = body.indexOf("\r\n", at);
            int size = Integer.parseInt(body.substring(at, lineEnd).trim(), 16);
            if (size == 0) {
                return chunks;
            }
            // Sizes count bytes; the events here are ASCII, so characters are bytes.
            chunks.add(body.substring(lineEnd + 2, lineEnd + 2 + size));
            at = lineEnd + 2 + size + 2;
        }
    }

    private static JsonNode json(String text) {
        try {
            return Api.JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }
}
