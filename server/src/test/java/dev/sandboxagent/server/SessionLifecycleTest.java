package dev.sandboxagent.server;

import static dev.sandboxagent.server.support.SseReader.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.agents.testing.Eventually;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.ServerPerTest;
import dev.sandboxagent.server.support.SseReader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A user's session from create to end, over the real HTTP API with the mock agent under a real PTY. */
class SessionLifecycleTest extends ServerPerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void aTurnIsAcceptedAtOnceAndItsEventsFollowInOrder() {
        JsonNode created = api.createSession("s1", "mock");
        assertThat(created.get("healthy").asBoolean()).isTrue();
        assertThat(created.at("/session/state").asText()).isEqualTo("active");

        try (SseReader sse = server.sse("s1", null)) {
            String turnId = api.sendMessage("s1", "echo hello there\nSummarize this repository");
            assertThat(turnId).startsWith("turn_");
            JsonNode ended = sse.await(type("turn.ended"), WAIT);
            assertThat(ended.at("/data/turn_id").asText()).isEqualTo(turnId);

            List<String> types = sse.events().stream().map(e -> e.get("type").asText()).toList();
            assertThat(types).containsSubsequence("session.started", "turn.started", "item.completed",
                    "item.started", "item.completed", "item.started", "item.completed", "turn.ended");
            List<String> texts = sse.events().stream()
                    .filter(e -> e.get("type").asText().equals("item.completed"))
                    .map(e -> e.at("/data/item/role").asText() + ":" + e.at("/data/item/content/0/text").asText())
                    .toList();
            assertThat(texts).containsExactly("user:echo hello there\nSummarize this repository",
                    "assistant:hello there", "assistant:mock: you said Summarize this repository");
            assertThat(sse.frameIds()).isEqualTo(sequences(sse.events()));
        }
        assertThat(sequences(api.events("s1"))).isEqualTo(range(1, api.events("s1").size()));
        JsonNode info = api.session("s1");
        assertThat(info.get("runningTurnId").isNull()).isTrue();
        assertThat(info.get("eventCount").asLong()).isEqualTo(api.events("s1").size());
    }

    @Test
    void messageStreamHoldsTheRequestForExactlyOneTurn() {
        api.createSession("s2", "mock");
        try (SseReader stream = SseReader.open(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(api.base() + "/v1/sessions/s2/messages/stream"))
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"message\":\"stream 20\"}")),
                api.token(), null)) {
            stream.awaitEnd(WAIT);
            List<JsonNode> events = stream.events();
            assertThat(events.get(0).get("type").asText()).isEqualTo("turn.started");
            assertThat(events.get(events.size() - 1).get("type").asText()).isEqualTo("turn.ended");
            assertThat(events).filteredOn(type("item.delta")).hasSize(20);
            assertThat(events).filteredOn(type("session.started")).isEmpty();
        }
    }

    @Test
    void aRetriedMessageWithTheSameIdempotencyKeyStartsOneTurn() {
        api.createSession("idem", "mock");
        String body = Api.json(Map.of("message", "echo once"));
        Api.Answer first = api.post("/v1/sessions/idem/messages", body, "key-1");
        Api.Answer retry = api.post("/v1/sessions/idem/messages", body, "key-1");
        assertThat(first.status()).isEqualTo(202);
        assertThat(retry.status()).isEqualTo(202);
        assertThat(retry.json().get("turnId")).isEqualTo(first.json().get("turnId"));
        awaitIdle("idem");
        assertThat(api.events("idem")).filteredOn(type("turn.started")).hasSize(1);

        // and a retried create with the same key answers like the first instead of 409
        Api.Answer create = api.post("/v1/sessions/idem2", "{\"agent\":\"mock\"}", "c-1");
        Api.Answer again = api.post("/v1/sessions/idem2", "{\"agent\":\"mock\"}", "c-1");
        assertThat(create.status()).isEqualTo(200);
        assertThat(again.status()).isEqualTo(200);
        assertThat(api.events("idem2")).filteredOn(type("session.started")).hasSize(1);
    }

    @Test
    void aMessageDuringARunningTurnIsRefusedWithTheTurnsId() {
        api.createSession("busy", "mock");
        String running = api.sendMessage("busy", "sleep 30");
        Api.Answer second = api.post("/v1/sessions/busy/messages", "{\"message\":\"echo no\"}");
        assertThat(second.status()).isEqualTo(409);
        assertThat(second.contentType()).startsWith("application/problem+json");
        assertThat(second.json().get("turnId").asText()).isEqualTo(running);
        assertThat(second.json().get("detail").asText()).contains(running);
        assertThat(api.session("busy").get("runningTurnId").asText()).isEqualTo(running);
    }

    @Test
    void interruptEndsASleepingTurnAtOnceAndTheNextMessageWorks() {
        api.createSession("int", "mock");
        try (SseReader sse = server.sse("int", null)) {
            // A sleep far past WAIT: only an interrupt that ends it at once ends the turn in time (no stopwatch,
            // which a loaded machine could overrun; a turn that waited the sleep out still fails).
            String turnId = api.sendMessage("int", "sleep 600\necho never");
            sse.await(type("turn.started"), WAIT);
            Api.Answer interrupted = api.post("/v1/sessions/int/interrupt", null);
            assertThat(interrupted.status()).isEqualTo(202);
            assertThat(interrupted.json().get("turnId").asText()).isEqualTo(turnId);
            JsonNode ended = sse.await(type("turn.ended"), WAIT);
            assertThat(ended.at("/data/metadata/status").asText()).isEqualTo("interrupted");

            String next = api.sendMessage("int", "echo after");
            JsonNode reply = sse.await(e -> e.at("/data/item/content/0/text").asText().equals("after"), WAIT);
            assertThat(reply.get("type").asText()).isEqualTo("item.completed");
            sse.await(e -> type("turn.ended").test(e) && e.at("/data/turn_id").asText().equals(next), WAIT);
            assertThat(sse.events()).noneMatch(e -> e.at("/data/item/content/0/text").asText().equals("never"));
        }
        assertThat(api.post("/v1/sessions/int/interrupt", null).status()).isEqualTo(409);
    }

    @Test
    void aPermissionAndAQuestionCutShortByAnInterruptAreResolvedBeforeTheTurnEnds() {
        api.createSession("open", "mock");
        try (SseReader sse = server.sse("open", null)) {
            api.sendMessage("open", "permission write_file");
            JsonNode asked = sse.await(type("permission.requested"), WAIT);
            Api.require(api.post("/v1/sessions/open/interrupt", null), 202);
            sse.await(type("turn.ended"), WAIT);
            String next = api.sendMessage("open", "question Deploy now?");
            JsonNode question = sse.await(type("question.requested"), WAIT);
            Api.require(api.post("/v1/sessions/open/interrupt", null), 202);
            sse.await(e -> type("turn.ended").test(e) && e.at("/data/turn_id").asText().equals(next), WAIT);

            String permissionId = asked.at("/data/permission_id").asText();
            List<String> order = sse.events().stream().map(e -> e.get("type").asText()).toList();
            assertThat(order).containsSubsequence("permission.requested", "permission.resolved", "turn.ended",
                    "question.requested", "question.resolved", "turn.ended");
            JsonNode resolved = sse.events().stream().filter(type("permission.resolved")).findFirst().orElseThrow();
            assertThat(resolved.at("/data/permission_id").asText()).isEqualTo(permissionId);
            assertThat(resolved.at("/data/status").asText()).isEqualTo("reject");
            JsonNode answered = sse.events().stream().filter(type("question.resolved")).findFirst().orElseThrow();
            assertThat(answered.at("/data/question_id").asText()).isEqualTo(question.at("/data/question_id").asText());
            assertThat(answered.at("/data/status").asText()).isEqualTo("rejected");
            // a late answer finds nothing to answer
            assertThat(api.post("/v1/sessions/open/permissions/" + permissionId + "/reply", "{\"reply\":\"once\"}")
                    .status()).isEqualTo(404);
        }
    }

    @Test
    void anAgentThatExitsMidTurnEndsOnlyItsOwnSessionWithCodeAndStderr() {
        api.createSession("dies", "mock");
        api.createSession("lives", "mock");
        try (SseReader sse = server.sse("dies", null)) {
            api.sendMessage("dies", "stderr something went wrong\nexit 3");
            JsonNode ended = sse.await(type("session.ended"), WAIT);
            assertThat(ended.at("/data/reason").asText()).isEqualTo("error");
            assertThat(ended.at("/data/terminated_by").asText()).isEqualTo("agent");
            assertThat(ended.at("/data/exit_code").asInt()).isEqualTo(3);
            assertThat(ended.at("/data/stderr/head").asText()).contains("something went wrong");
            // the turn it was in ends too, before the session does
            List<String> types = sse.events().stream().map(e -> e.get("type").asText()).toList();
            assertThat(types.subList(types.size() - 2, types.size())).containsExactly("turn.ended", "session.ended");
        }
        assertThat(api.session("dies").get("state").asText()).isEqualTo("ended");
        Api.Answer refused = api.post("/v1/sessions/dies/messages", "{\"message\":\"echo hi\"}");
        assertThat(refused.status()).isEqualTo(409);

        api.sendMessage("lives", "echo still here");
        awaitIdle("lives");
        assertThat(api.events("lives")).anyMatch(e -> e.at("/data/item/content/0/text").asText()
                .equals("still here"));
    }

    @Test
    void terminateEndsTheSessionAndDeleteRemovesIt() {
        api.createSession("t", "mock");
        Api.Answer terminated = api.post("/v1/sessions/t/terminate", null);
        assertThat(terminated.status()).isEqualTo(204);
        JsonNode info = api.session("t");
        assertThat(info.get("ended").asBoolean()).isTrue();
        List<JsonNode> events = api.events("t");
        JsonNode last = events.get(events.size() - 1);
        assertThat(last.get("type").asText()).isEqualTo("session.ended");
        assertThat(last.at("/data/reason").asText()).isEqualTo("terminated");
        assertThat(last.at("/data/terminated_by").asText()).isEqualTo("daemon");
        assertThat(api.post("/v1/sessions/t/messages", "{\"message\":\"hi\"}").status()).isEqualTo(409);

        try (SseReader open = server.sse("t", null)) {
            open.await(type("session.ended"), WAIT);
            assertThat(api.delete("/v1/sessions/t").status()).isEqualTo(204);
            open.awaitEnd(WAIT); // a deleted session's streams end instead of hanging
        }
        assertThat(api.get("/v1/sessions/t").status()).isEqualTo(404);
        assertThat(api.get("/v1/sessions").json().get("sessions")).isEmpty();
    }

    @Test
    void permissionsAndQuestionsRoundTripThroughTheApi() {
        api.createSession("pq", "mock");
        try (SseReader sse = server.sse("pq", null)) {
            api.sendMessage("pq", "permission write_file\nquestion continue?");
            JsonNode requested = sse.await(type("permission.requested"), WAIT);
            String permissionId = requested.at("/data/permission_id").asText();
            assertThat(api.post("/v1/sessions/pq/permissions/nope/reply", "{\"reply\":\"once\"}").status())
                    .isEqualTo(404);
            assertThat(api.post("/v1/sessions/pq/permissions/" + permissionId + "/reply", "{\"reply\":\"once\"}")
                    .status()).isEqualTo(204);
            JsonNode resolved = sse.await(type("permission.resolved"), WAIT);
            assertThat(resolved.at("/data/status").asText()).isEqualTo("accept");

            JsonNode question = sse.await(type("question.requested"), WAIT);
            String questionId = question.at("/data/question_id").asText();
            assertThat(api.post("/v1/sessions/pq/questions/" + questionId + "/reply",
                    "{\"answers\":[[\"yes\"]]}").status()).isEqualTo(204);
            JsonNode answered = sse.await(type("question.resolved"), WAIT);
            assertThat(answered.at("/data/status").asText()).isEqualTo("answered");
            sse.await(type("turn.ended"), WAIT);
        }
    }

    private void awaitIdle(String id) {
        Eventually.until("turn of " + id + " ended", WAIT, () -> api.session(id).get("runningTurnId").isNull());
    }

    static List<Long> sequences(List<JsonNode> events) {
        return events.stream().map(e -> e.get("sequence").asLong()).toList();
    }

    static List<Long> range(long from, long to) {
        return java.util.stream.LongStream.rangeClosed(from, to).boxed().toList();
    }
}
