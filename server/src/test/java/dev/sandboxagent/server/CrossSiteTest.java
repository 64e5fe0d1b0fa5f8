package dev.sandboxagent.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.RawHttp;
import dev.sandboxagent.server.support.RunningServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 13, defect 3: a web page in the user's browser must not be able to drive a {@code --no-token} server on
 * loopback. Browsers send cross-site {@code text/plain} and form POSTs without asking, with an {@code Origin}
 * header; a rebound DNS name reaches 127.0.0.1 with a foreign {@code Host}. Each of these is refused before it
 * changes anything, and a page whose origin the operator allowed gets proper CORS answers.
 */
class CrossSiteTest {
    static final String ALLOWED = "http://app.example:3000";

    @TempDir
    static Path openDir;
    @TempDir
    static Path corsDir;
    /** {@code --no-token}, no origin allowed: the template guide's setup, on loopback. */
    static RunningServer open;
    /** A token and one allowed origin. */
    static RunningServer withCors;

    @BeforeAll
    static void start() {
        open = RunningServer.start(RunningServer.config(openDir, null, 64 * 1024));
        withCors = RunningServer.start(RunningServer.config(corsDir, RunningServer.TOKEN, 64 * 1024)
                .withCorsOrigins(List.of(ALLOWED + "/")));
        open.api().createSession("existing", "mock");
    }

    @AfterAll
    static void stop() {
        open.close();
        withCors.close();
    }

    private static RawHttp.Answer raw(RunningServer server, String requestLine, Map<String, String> headers,
                                      String body) {
        return new RawHttp(server.port()).send(requestLine, headers,
                body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, String> headers(String... namesAndValues) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return headers;
    }

    private static JsonNode problem(RawHttp.Answer answer, int status, String kind) {
        assertThat(answer.status()).as("%s", answer).isEqualTo(status);
        assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
        JsonNode p = answer.json();
        assertThat(p.get("type").asText()).isEqualTo("urn:sandbox-agent:error:" + kind);
        assertThat(p.get("status").asInt()).isEqualTo(status);
        assertThat(p.get("title").asText()).isNotBlank();
        assertThat(p.get("detail").asText()).isNotBlank();
        return p;
    }

    private static void assertNoSession(RunningServer server, String id) {
        Api api = server.api();
        assertThat(api.get("/v1/sessions/" + id).status()).as("session %s", id).isEqualTo(404);
    }

    @Test
    void theIssuesCrossSitePostIsRefusedAndCreatesNothing() {
        RawHttp.Answer a = raw(open, "POST /v1/sessions/evil1 HTTP/1.1", headers("Origin", "http://evil.example",
                "Content-Type", "text/plain"), "{\"agent\":\"mock\"}");
        JsonNode p = problem(a, 403, "origin_not_allowed");
        assertThat(p.get("detail").asText()).contains("--cors-origin").contains("evil.example");
        assertThat(a.header("Access-Control-Allow-Origin")).isNull();
        // The message route too: no turn may run.
        long before = open.api().session("existing").get("eventCount").asLong();
        problem(raw(open, "POST /v1/sessions/existing/messages HTTP/1.1", headers("Origin", "http://evil.example",
                "Content-Type", "text/plain"), "{\"message\":\"echo pwned\"}"), 403, "origin_not_allowed");
        assertNoSession(open, "evil1");
        assertThat(open.api().session("existing").get("eventCount").asLong()).isEqualTo(before);
    }

    @Test
    void aForeignOriginIsRefusedOnEveryMethodEvenWithAJsonBody() {
        problem(raw(open, "GET /v1/sessions HTTP/1.1", headers("Origin", "http://evil.example"), null),
                403, "origin_not_allowed");
        problem(raw(open, "POST /v1/sessions/evil2 HTTP/1.1", headers("Origin", "https://evil.example",
                "Content-Type", "application/json"), "{\"agent\":\"mock\"}"), 403, "origin_not_allowed");
        problem(raw(open, "DELETE /v1/sessions/existing HTTP/1.1", headers("Origin", "null"), null),
                403, "origin_not_allowed");
        assertNoSession(open, "evil2");
        assertThat(open.api().session("existing").get("state").asText()).isNotEqualTo("ended");
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
            "application/json; charset=iso-8859-1", "application/jsonp", ""})
    void aJsonBodyMustSayItIsJson(String contentType) {
        Map<String, String> h = contentType.isEmpty() ? headers() : headers("Content-Type", contentType);
        JsonNode p = problem(raw(open, "POST /v1/sessions/typed HTTP/1.1", h, "{\"agent\":\"mock\"}"), 415,
                "unsupported_media_type");
        assertThat(p.get("detail").asText()).contains("application/json");
        assertNoSession(open, "typed");
    }

    @Test
    void jsonWithAUtf8CharsetIsFine() {
        RawHttp.Answer a = raw(open, "POST /v1/sessions/charset HTTP/1.1",
                headers("Content-Type", "Application/JSON; charset=\"UTF-8\""), "{\"agent\":\"mock\"}");
        assertThat(a.status()).as("%s", a).isEqualTo(200);
        Api.require(open.api().delete("/v1/sessions/charset"), 204);
    }

    @Test
    void aRebindedHostIsRefusedOnALoopbackBind() {
        JsonNode p = problem(raw(open, "GET /v1/sessions HTTP/1.1", headers("Host", "evil.example:" + open.port()),
                null), 403, "host_not_allowed");
        assertThat(p.get("detail").asText()).contains("evil.example");
        problem(raw(open, "POST /v1/sessions/rebound HTTP/1.1", headers("Host", "attacker.test",
                "Content-Type", "application/json"), "{\"agent\":\"mock\"}"), 403, "host_not_allowed");
        problem(raw(open, "GET /v1/health HTTP/1.1", headers("Host", "127.0.0.1.nip.io:" + open.port()), null),
                403, "host_not_allowed");
        assertNoSession(open, "rebound");
        for (String host : List.of("localhost:" + open.port(), "127.0.0.1:" + open.port(), "[::1]:" + open.port(),
                "LOCALHOST", "app.localhost:" + open.port())) {
            RawHttp.Answer ok = raw(open, "GET /v1/sessions HTTP/1.1", headers("Host", host), null);
            assertThat(ok.status()).as("Host %s: %s", host, ok).isEqualTo(200);
        }
    }

    @Test
    void anAllowedOriginGetsAPreflightAndCorsHeaders() {
        RawHttp.Answer preflight = raw(withCors, "OPTIONS /v1/sessions/fromapp HTTP/1.1", headers(
                "Origin", ALLOWED, "Access-Control-Request-Method", "POST",
                "Access-Control-Request-Headers", "authorization, content-type"), null);
        assertThat(preflight.status()).as("%s", preflight).isEqualTo(204);
        assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo(ALLOWED);
        assertThat(preflight.header("Access-Control-Allow-Methods")).contains("POST").contains("GET")
                .contains("DELETE");
        assertThat(preflight.header("Access-Control-Allow-Headers")).contains("Authorization")
                .contains("Content-Type").contains("Idempotency-Key").contains("Last-Event-ID");
        assertThat(preflight.header("Access-Control-Max-Age")).isNotBlank();
        assertThat(preflight.header("Vary")).contains("Origin");

        RawHttp.Answer created = raw(withCors, "POST /v1/sessions/fromapp HTTP/1.1", headers("Origin", ALLOWED,
                "Authorization", "Bearer " + RunningServer.TOKEN, "Content-Type", "application/json"),
                "{\"agent\":\"mock\"}");
        assertThat(created.status()).as("%s", created).isEqualTo(200);
        assertThat(created.header("Access-Control-Allow-Origin")).isEqualTo(ALLOWED);
        assertThat(created.header("Vary")).contains("Origin");
        Api.require(withCors.api().delete("/v1/sessions/fromapp"), 204);
    }

    @Test
    void anAllowedOriginStillNeedsTheToken() {
        RawHttp.Answer a = raw(withCors, "GET /v1/sessions HTTP/1.1", headers("Origin", ALLOWED), null);
        problem(a, 401, "token_invalid");
        // The browser can read why, since the origin is allowed.
        assertThat(a.header("Access-Control-Allow-Origin")).isEqualTo(ALLOWED);
    }

    @Test
    void aPreflightFromAnotherOriginIsRefused() {
        RawHttp.Answer a = raw(withCors, "OPTIONS /v1/sessions/x HTTP/1.1", headers("Origin", "http://app.example",
                "Access-Control-Request-Method", "POST"), null);
        problem(a, 403, "origin_not_allowed");
        assertThat(a.header("Access-Control-Allow-Origin")).isNull();
    }

    @Test
    void originsComeFromTheFlagOrTheEnvironmentAndMustBeOrigins(@TempDir Path dir) throws Exception {
        ServerConfig fromEnv = ServerConfig.resolve(null, null, null, true, dir, "off", null, null,
                Map.of("SANDBOX_AGENT_CORS_ORIGINS", "https://A.example:443/, http://localhost:3000"));
        assertThat(fromEnv.corsOrigins()).containsExactly("https://a.example", "http://localhost:3000");
        ServerConfig fromFlag = ServerConfig.resolve(null, null, null, true, dir, "off", null,
                List.of("http://b.example:8080"), Map.of("SANDBOX_AGENT_CORS_ORIGINS", "https://a.example"));
        assertThat(fromFlag.corsOrigins()).containsExactly("http://b.example:8080");
        assertThat(ServerConfig.resolve(null, null, null, true, dir, "off", null, null, Map.of()).corsOrigins())
                .isEmpty();
        for (String bad : List.of("*", "https://a.example/path", "a.example", "https://a.example?x=1")) {
            assertThatThrownBy(() -> ServerConfig.resolve(null, null, null, true, dir, "off", null, List.of(bad),
                    Map.of())).as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(
                    "--cors-origin");
        }
    }
}
