package dev.sandboxagent.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.agents.testing.Eventually;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.RunningServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every bad request gets a clear problem+json answer and changes nothing: the stored sessions and transcripts
 * read the same before and after.
 */
class BadInputTest {
    @TempDir
    static Path dataDir;
    static RunningServer server;
    static Api api;

    @BeforeAll
    static void start() {
        server = RunningServer.start(dataDir, RunningServer.TOKEN, 64 * 1024);
        api = server.api();
        api.createSession("existing", "mock");
        api.sendMessage("existing", "echo first");
        api.createSession("finished", "mock");
        Api.require(api.post("/v1/sessions/finished/terminate", null), 204);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Runs the bad request and checks that it was refused with {@code status} and that nothing changed. */
    private static JsonNode refused(int status, String kind, Supplier<Api.Answer> request) {
        String before = snapshot();
        Api.Answer answer = request.get();
        assertThat(answer.status()).as("status of %s", answer).isEqualTo(status);
        assertThat(answer.contentType()).startsWith("application/problem+json");
        JsonNode problem = answer.json();
        assertThat(problem.get("type").asText()).isEqualTo("urn:sandbox-agent:error:" + kind);
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("title").asText()).isNotBlank();
        assertThat(problem.get("detail").asText()).isNotBlank();
        assertThat(snapshot()).as("state after %s", answer).isEqualTo(before);
        return problem;
    }

    /** Sessions with their states and every event, as one string; stable while nothing runs. */
    private static String snapshot() {
        awaitQuiet();
        StringBuilder out = new StringBuilder();
        for (JsonNode s : api.get("/v1/sessions").json().get("sessions")) {
            String id = s.get("sessionId").asText();
            out.append(id).append(' ').append(s.get("state").asText()).append(' ')
                    .append(s.get("eventCount").asLong()).append('\n');
            api.events(id).forEach(e -> out.append(e.get("event_id").asText()).append('\n'));
        }
        return out.toString();
    }

    private static void awaitQuiet() {
        Eventually.until("existing session went idle", Duration.ofSeconds(30),
                () -> api.session("existing").get("runningTurnId").isNull());
    }

    @Test
    void malformedJson() {
        JsonNode p = refused(400, "invalid_request", () -> api.post("/v1/sessions/new1", "{\"agent\": \"mock\""));
        assertThat(p.get("detail").asText()).contains("not a JSON object");
        refused(400, "invalid_request", () -> api.post("/v1/sessions/existing/messages", "[1,2]"));
        refused(400, "invalid_request", () -> api.post("/v1/sessions/new1", ""));
        assertThat(api.get("/v1/sessions/new1").status()).isEqualTo(404);
        // A key typed without quotes: the parser's complaint must not quote it back.
        JsonNode unquoted = refused(400, "invalid_request", () -> api.post("/v1/sessions/new1",
                "{\"agent\":\"mock\",\"credentials\":{\"ANTHROPIC_API_KEY\": sk-ant-leaked-secret}}"));
        assertThat(unquoted.toString()).doesNotContain("sk-ant").doesNotContain("leaked");
    }

    @Test
    void credentialsWithUnknownNamesOrNonStringValuesAreRefusedWithoutEchoingThem() {
        JsonNode unknown = refused(400, "invalid_request", () -> api.post("/v1/sessions/new5",
                "{\"agent\":\"mock\",\"credentials\":{\"AWS_SECRET_ACCESS_KEY\":\"aws-very-secret\"}}"));
        assertThat(unknown.toString()).doesNotContain("aws-very-secret");
        JsonNode number = refused(400, "invalid_request", () -> api.post("/v1/sessions/existing/messages",
                "{\"message\":\"hi\",\"credentials\":{\"OPENAI_API_KEY\":12345678}}"));
        assertThat(number.toString()).doesNotContain("12345678");
        assertThat(api.get("/v1/sessions/new5").status()).isEqualTo(404);
    }

    @Test
    void missingOrMistypedFields() {
        JsonNode missing = refused(400, "invalid_request", () -> api.post("/v1/sessions/new2", "{}"));
        assertThat(missing.get("detail").asText()).contains("agent");
        refused(400, "invalid_request", () -> api.post("/v1/sessions/new2", "{\"agent\": 7}"));
        refused(400, "invalid_request", () -> api.post("/v1/sessions/existing/messages", "{\"msg\":\"hi\"}"));
        refused(400, "invalid_request", () -> api.post("/v1/sessions/existing/messages", "{\"message\":42}"));
        refused(400, "invalid_request", () -> api.post("/v1/sessions/existing/permissions/p1/reply",
                "{\"reply\":\"maybe\"}"));
        refused(400, "invalid_request", () -> api.get("/v1/sessions/existing/events?offset=abc"));
        refused(400, "invalid_request", () -> api.get("/v1/sessions/existing/events?limit=-1"));
        refused(400, "invalid_request", () -> api.post("/v1/sessions/new2",
                "{\"agent\":\"mock\",\"directory\":\"/no/such/dir\"}"));
        assertThat(api.get("/v1/sessions/new2").status()).isEqualTo(404);
    }

    @Test
    void unknownAgentListsTheKnownOnes() {
        JsonNode p = refused(400, "unsupported_agent", () -> api.post("/v1/sessions/new3", "{\"agent\":\"gpt-9\"}"));
        assertThat(p.get("knownAgents")).extracting(JsonNode::asText).contains("mock");
        assertThat(p.get("detail").asText()).contains("gpt-9").contains("mock");
        assertThat(api.get("/v1/sessions/new3").status()).isEqualTo(404);
    }

    @ParameterizedTest
    @ValueSource(strings = {"..%2Fx", "x%2F..%2Fy", "a%20b", "tab%09id", "nl%0Aid", "bell%07", "%C3%A9t%C3%A9"})
    void badSessionIdsAreRefused(String encodedId) {
        JsonNode p = refused(400, "invalid_request", () -> api.post("/v1/sessions/" + encodedId,
                "{\"agent\":\"mock\"}"));
        assertThat(p.get("detail").asText()).contains("session_id").doesNotContain("\n").doesNotContain("\u0007");
    }

    @Test
    void anIdOf200CharactersIsRefusedAnd128IsFine() {
        refused(400, "invalid_request", () -> api.post("/v1/sessions/" + "a".repeat(200), "{\"agent\":\"mock\"}"));
        String longest = "b".repeat(128);
        assertThat(api.post("/v1/sessions/" + longest, "{\"agent\":\"mock\"}").status()).isEqualTo(200);
        Api.require(api.delete("/v1/sessions/" + longest), 204);
    }

    @Test
    void dotDotInThePathNeverReachesASession() {
        // Dot segments are refused, not resolved (resolving would reach another route): nothing created.
        JsonNode p = refused(400, "invalid_request", () -> api.post("/v1/sessions/%2E%2E", "{\"agent\":\"mock\"}"));
        assertThat(p.get("detail").asText()).contains("'..'");
        Api.Answer a = api.post("/v1/sessions/../x", "{\"agent\":\"mock\"}");
        assertThat(a.status()).isIn(400, 404);
        assertThat(api.get("/v1/sessions").json().get("sessions")).extracting(s -> s.get("sessionId").asText())
                .doesNotContain("x", "../x");
    }

    @Test
    void secondCreateOfTheSameIdIsAConflict() {
        JsonNode p = refused(409, "session_already_exists", () -> api.post("/v1/sessions/existing",
                "{\"agent\":\"mock\"}"));
        assertThat(p.get("detail").asText()).contains("existing");
    }

    @Test
    void messageToATerminatedSessionIsAConflict() {
        JsonNode p = refused(409, "session_ended", () -> api.post("/v1/sessions/finished/messages",
                "{\"message\":\"hello\"}"));
        assertThat(p.get("detail").asText()).contains("finished");
    }

    @Test
    void unknownSessionIsNotFoundEverywhere() {
        for (Supplier<Api.Answer> call : List.<Supplier<Api.Answer>>of(
                () -> api.get("/v1/sessions/ghost"),
                () -> api.post("/v1/sessions/ghost/messages", "{\"message\":\"hi\"}"),
                () -> api.get("/v1/sessions/ghost/events"),
                () -> api.get("/v1/sessions/ghost/events/sse"),
                () -> api.post("/v1/sessions/ghost/terminate", null),
                () -> api.post("/v1/sessions/ghost/interrupt", null),
                () -> api.delete("/v1/sessions/ghost"))) {
            JsonNode p = refused(404, "session_not_found", call);
            assertThat(p.get("detail").asText()).contains("ghost");
        }
        refused(404, "not_found", () -> api.get("/v1/nothing-here"));
    }

    @Test
    void aBodyOverTheLimitIsRefused() {
        byte[] huge = ("{\"message\":\"" + "x".repeat(100 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);
        refused(413, "body_too_large", () -> api.postBytes("/v1/sessions/existing/messages", huge));
    }

    @Test
    void missingOrWrongTokenIsUnauthorized() {
        JsonNode missing = refused(401, "token_invalid", () -> api.withToken(null).get("/v1/sessions"));
        assertThat(missing.get("detail").asText()).contains("token");
        refused(401, "token_invalid", () -> api.withToken("wrong").post("/v1/sessions/new4",
                "{\"agent\":\"mock\"}"));
        refused(401, "token_invalid", () -> api.withToken("wrong").get("/v1/sessions/existing/events/sse"));
        assertThat(api.get("/v1/sessions/new4").status()).isEqualTo(404);
        // health stays open for probes
        assertThat(api.withToken(null).get("/v1/health").status()).isEqualTo(200);
    }
}
