package dev.sandboxagent.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.RawHttp;
import dev.sandboxagent.server.support.RunningServer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 13, defects 7 and 8: every error a client can cause is a 4xx problem+json that says what was wrong,
 * including those Vert.x and Netty raise before any route; and input the server cannot keep faithfully (duplicate
 * keys, invalid Unicode) is refused rather than guessed at, while error details and logs stay free of parser
 * internals and of terminal control characters.
 */
class HttpEdgeTest {
    static final String TOKEN = "Bearer " + RunningServer.TOKEN;

    @TempDir
    static Path dataDir;
    static RunningServer server;
    static Api api;
    static RawHttp raw;

    @BeforeAll
    static void start() {
        server = RunningServer.start(dataDir, RunningServer.TOKEN, 64 * 1024);
        api = server.api();
        raw = new RawHttp(server.port());
        api.createSession("existing", "mock");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static Map<String, String> headers(String... namesAndValues) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", TOKEN);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return headers;
    }

    static JsonNode problem(RawHttp.Answer answer, int status) {
        assertThat(answer.status()).as("%s", answer).isEqualTo(status);
        assertThat(answer.header("Content-Type")).as("%s", answer).startsWith("application/problem+json");
        JsonNode p = answer.json();
        assertThat(p.get("type").asText()).startsWith("urn:sandbox-agent:error:");
        assertThat(p.get("status").asInt()).isEqualTo(status);
        assertThat(p.get("title").asText()).isNotBlank();
        assertThat(p.get("detail").asText()).isNotBlank();
        return p;
    }

    private static JsonNode problem(Api.Answer answer, int status) {
        assertThat(answer.status()).as("%s", answer).isEqualTo(status);
        assertThat(answer.contentType()).startsWith("application/problem+json");
        JsonNode p = answer.json();
        assertThat(p.get("detail").asText()).isNotBlank();
        return p;
    }

    private static RawHttp.Answer post(String path, byte[] body) {
        return raw.send("POST " + path + " HTTP/1.1", headers("Content-Type", "application/json"), body);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // Defect 7

    @ParameterizedTest
    @ValueSource(strings = {"/v1/sessions", "/v1/agents", "/v1/sessions/existing", "/v1/sessions/existing/events",
            "/v1/processes", "/v1/docker"})
    void aGetWithAFormBodyIsRefusedNotA500(String path) {
        for (String type : List.of("application/x-www-form-urlencoded", "multipart/form-data; boundary=b")) {
            RawHttp.Answer a = raw.send("GET " + path + " HTTP/1.1", headers("Content-Type", type),
                    utf8(type.startsWith("multipart") ? "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
                            + "1\r\n--b--\r\n" : "a=1&b=2"));
            JsonNode p = problem(a, 415);
            assertThat(p.get("detail").asText()).contains("application/json");
        }
    }

    @Test
    void aNulInTheDirectoryIsA400() {
        JsonNode p = problem(api.post("/v1/sessions/nul", "{\"agent\":\"mock\",\"directory\":\"/tmp\\u0000x\"}"),
                400);
        assertThat(p.get("detail").asText()).contains("directory").contains("NUL");
        assertThat(api.get("/v1/sessions/nul").status()).isEqualTo(404);
    }

    @Test
    void malformedPercentEscapesAreProblems() {
        JsonNode query = problem(raw.send("GET /v1/events/sse?%zz=1 HTTP/1.1", headers(), null), 400);
        assertThat(query.get("detail").asText()).contains("query");
        problem(raw.send("GET /v1/sessions/existing/events?offset=%G1 HTTP/1.1", headers(), null), 400);
        JsonNode path = problem(raw.send("GET /v1/sessions/%zz HTTP/1.1", headers(), null), 400);
        assertThat(path.get("detail").asText()).contains("path");
        problem(raw.send("POST /v1/sessions/%zz HTTP/1.1", headers("Content-Type", "application/json"),
                utf8("{\"agent\":\"mock\"}")), 400);
    }

    @Test
    void aControlCharacterInAHeaderIsAProblem() {
        JsonNode p = problem(raw.send("GET /v1/sessions HTTP/1.1", headers("X-Note", "a\u0001b"), null), 400);
        assertThat(p.get("detail").asText()).contains("header").doesNotContain("\u0001");
        problem(raw.send("GET /v1/sessions HTTP/1.1", headers("X-Bad\u0007Name", "x"), null), 400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "-1", "1, 2"})
    void aBadContentLengthIsAProblem(String length) {
        JsonNode p = problem(raw.send("POST /v1/sessions/cl HTTP/1.1", headers("Content-Type", "application/json",
                "Content-Length", length), utf8("{\"agent\":\"mock\"}")), 400);
        assertThat(p.get("detail").asText()).contains("Content-Length");
        assertThat(api.get("/v1/sessions/cl").status()).isEqualTo(404);
    }

    @Test
    void aLongUrlAndLargeHeadersAreProblems() {
        JsonNode url = problem(raw.send("GET /v1/sessions?x=" + "a".repeat(10_000) + " HTTP/1.1", headers(), null),
                414);
        assertThat(url.get("detail").asText()).contains("longer");
        JsonNode head = problem(raw.send("GET /v1/sessions HTTP/1.1", headers("X-Big", "b".repeat(10_000)), null),
                431);
        assertThat(head.get("detail").asText()).contains("headers");
    }

    @ParameterizedTest
    @ValueSource(strings = {"zz", "fffffffffffffffffffff", "-5"})
    void aBadChunkSizeIsAnsweredNotJustClosed(String chunkSize) {
        byte[] body = utf8(chunkSize + "\r\n{\"agent\":\"mock\"}\r\n0\r\n\r\n");
        JsonNode p = problem(raw.send("POST /v1/sessions/chunk HTTP/1.1", headers("Content-Type", "application/json",
                "Transfer-Encoding", "chunked"), body), 400);
        assertThat(p.get("detail").asText()).contains("chunk");
        assertThat(api.get("/v1/sessions/chunk").status()).isEqualTo(404);
    }

    @Test
    void aRequestWithoutHostIsAProblem() {
        RawHttp.Answer a = raw.exchange(("GET /v1/sessions HTTP/1.1\r\nAuthorization: " + TOKEN
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1), null);
        JsonNode p = problem(a, 400);
        assertThat(p.get("detail").asText()).contains("Host");
    }

    // Defect 8

    @Test
    void duplicateKeysAreRefused() {
        JsonNode p = problem(post("/v1/sessions/dup", utf8("{\"agent\":\"mock\",\"agent\":\"claude\"}")), 400);
        assertThat(p.get("detail").asText()).contains("twice").contains("agent");
        problem(post("/v1/sessions/dup", utf8("{\"agent\":\"mock\",\"credentials\":{\"OPENAI_API_KEY\":\"a\","
                + "\"OPENAI_API_KEY\":\"b\"}}")), 400);
        problem(post("/v1/sessions/existing/messages", utf8("{\"message\":\"a\",\"message\":\"b\"}")), 400);
        assertThat(api.get("/v1/sessions/dup").status()).isEqualTo(404);
    }

    @Test
    void invalidUnicodeIsRefusedNotStoredAsQuestionMarks() {
        // An escaped lone surrogate: valid JSON syntax, but no Unicode text.
        JsonNode escaped = problem(post("/v1/sessions/uni1", utf8("{\"agent\":\"mock\",\"title\":\"a\\ud800b\"}")),
                400);
        assertThat(escaped.get("detail").asText()).contains("Unicode").contains("title");
        problem(post("/v1/sessions/uni2", utf8("{\"agent\":\"mock\",\"title\":\"\\udc00\"}")), 400);
        // Raw bytes: a lone surrogate encoded in UTF-8 (CESU), a stray continuation byte, a truncated sequence.
        for (byte[] bad : List.of(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, new byte[] {(byte) 0x80},
                new byte[] {(byte) 0xE2, (byte) 0x82}, new byte[] {(byte) 0xFF})) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.writeBytes(utf8("{\"agent\":\"mock\",\"title\":\"x"));
            body.writeBytes(bad);
            body.writeBytes(utf8("y\"}"));
            JsonNode p = problem(post("/v1/sessions/uni3", body.toByteArray()), 400);
            assertThat(p.get("detail").asText()).contains("UTF-8");
        }
        for (String id : List.of("uni1", "uni2", "uni3")) {
            assertThat(api.get("/v1/sessions/" + id).status()).isEqualTo(404);
        }
        // A proper pair is fine.
        RawHttp.Answer ok = post("/v1/sessions/uni4", utf8("{\"agent\":\"mock\",\"title\":\"\\ud83d\\ude00 ok\"}"));
        assertThat(ok.status()).as("%s", ok).isEqualTo(200);
        assertThat(api.session("uni4").get("title").asText()).isEqualTo("\ud83d\ude00 ok");
        Api.require(api.delete("/v1/sessions/uni4"), 204);
    }

    @Test
    void errorDetailsNameNoParserInternalsAndQuoteNoBody() {
        List<String> bodies = List.of("{\"agent\": \"mock\"", "{\"agent\":7", "{agent:\"mock\"}", "{\"a\":tru}",
                "{\"agent\":\"mock\"} trailing", "[1,2]", "\"just a string\"", "{\"agent\":01}", "{\"a\":\"\\x\"}",
                "{\"agent\":\"mock\"]", "{\"a\":\"tab\there\"}", "{\"agent\":\"mock\",,}",
                "[".repeat(100) + "]".repeat(100), "{\"a\":" + "{\"a\":".repeat(60) + "1" + "}".repeat(61));
        for (String body : bodies) {
            JsonNode p = problem(post("/v1/sessions/internals", utf8(body)), 400);
            String detail = p.get("detail").asText();
            assertThat(detail).as("detail for %s", body)
                    .doesNotContain("Source:").doesNotContain("line: ").doesNotContain("column: ")
                    .doesNotContain("reference chain").doesNotContain("com.fasterxml").doesNotContain("Jackson")
                    .doesNotContain("StreamReadFeature").doesNotContain("(code ").doesNotContain("REDACTED")
                    .doesNotContain("Failed to decode").doesNotContain("tru").doesNotContain("trailing");
        }
        assertThat(api.get("/v1/sessions/internals").status()).isEqualTo(404);
    }

    @Test
    void controlCharactersFromRequestFieldsReachTheLogEscaped() {
        List<LogRecord> records = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                synchronized (records) {
                    records.add(record);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger serverLogs = Logger.getLogger("dev.sandboxagent.server");
        serverLogs.addHandler(capture);
        try {
            // The mock agent refuses an unknown model and the server logs why, quoting the model.
            Api.Answer a = api.post("/v1/sessions/esc", "{\"agent\":\"mock\",\"model\":\"\\u001b[31mred\\u0007\"}");
            assertThat(a.status()).as("%s", a).isEqualTo(200);
        } finally {
            serverLogs.removeHandler(capture);
        }
        List<String> messages;
        synchronized (records) {
            messages = records.stream().map(r -> new java.util.logging.SimpleFormatter().formatMessage(r)).toList();
        }
        assertThat(messages).as("log lines").anySatisfy(m -> assertThat(m).contains("\\u001b[31mred\\u0007"));
        assertThat(messages).allSatisfy(m -> assertThat(m).doesNotContain("\u001b").doesNotContain("\u0007"));
        // What is stored and answered is what the client sent: escaping is for the log only.
        assertThat(api.session("esc").get("model").asText()).isEqualTo("\u001b[31mred\u0007");
    }
}
