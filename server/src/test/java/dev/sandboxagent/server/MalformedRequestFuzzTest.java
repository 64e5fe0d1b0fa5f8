package dev.sandboxagent.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sandboxagent.agents.testing.Eventually;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.RawHttp;
import dev.sandboxagent.server.support.RunningServer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: a seeded generator sends thousands of malformed requests across every operation of the served OpenAPI
 * document (wrong methods, types and content types; missing, extra and duplicate fields; invalid JSON and Unicode;
 * huge and deeply nested bodies; odd ids and query values; broken HTTP) and checks that each one is answered with
 * a 4xx problem+json, and that afterwards the server is healthy, no session was created and the existing ones
 * read exactly as before.
 *
 * <p>The seed is random per run and printed with every failure; {@code -Dfuzz.seed=N} replays a run and
 * {@code -Dfuzz.requests=N} changes its length.
 */
class MalformedRequestFuzzTest {
    static final long SEED = Long.getLong("fuzz.seed", new Random().nextLong());
    static final int REQUESTS = Integer.getInteger("fuzz.requests", 2400);
    static final int MAX_BODY = 64 * 1024;
    static final String AUTH = "Bearer " + RunningServer.TOKEN;

    @TempDir
    static Path dataDir;
    static RunningServer server;
    static Api api;

    /** One operation of the document: its method, path template and what it takes. */
    record Operation(String method, String path, Set<String> pathMethods, List<String> pathParams,
                     List<String> queryParams, JsonNode bodySchema, boolean bodyRequired) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    /** A request as sent: either a head and body built from parts, or raw bytes. */
    record Request(String kind, String method, String target, Map<String, String> headers, byte[] body, byte[] raw) {
        String describe() {
            String shownBody = body == null ? "" : " body=" + preview(body);
            return kind + ": " + (raw != null ? "raw " + preview(raw) : method + " " + preview(target.getBytes(
                    StandardCharsets.UTF_8)) + " " + headers.keySet() + shownBody);
        }
    }

    @BeforeAll
    static void start() {
        server = RunningServer.start(dataDir, RunningServer.TOKEN, MAX_BODY);
        api = server.api();
        api.createSession("alpha", "mock");
        api.sendMessage("alpha", "echo before the fuzz");
        api.createSession("ended", "mock");
        Api.require(api.post("/v1/sessions/ended/terminate", null), 204);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void malformedRequestsGetOnlyProblemsAndChangeNothing() {
        String before = snapshot();
        List<Operation> operations = operations(api.get("/openapi.json").json());
        assertThat(operations).as("operations in the document").hasSizeGreaterThanOrEqualTo(20);

        Random random = new Random(SEED);
        RawHttp raw = new RawHttp(server.port(), 10_000);
        List<String> failures = new ArrayList<>();
        Map<String, Integer> statuses = new TreeMap<>();
        for (int i = 0; i < REQUESTS; i++) {
            Operation op = operations.get(i % operations.size());
            Request request = generate(op, random);
            String where = "seed " + SEED + ", request #" + i + " (" + op + ", " + request.describe() + ")";
            try {
                RawHttp.Answer answer = request.raw() != null ? raw.exchange(request.raw(), null)
                        : raw.send(request.method() + " " + request.target() + " HTTP/1.1", request.headers(),
                        request.body());
                statuses.merge(request.kind() + " " + answer.status(), 1, Integer::sum);
                String problem = checkProblem(answer);
                if (problem != null) {
                    failures.add(where + ": " + problem);
                }
            } catch (RuntimeException | AssertionError e) {
                failures.add(where + ": " + e);
            }
        }
        System.out.println("fuzz seed " + SEED + ", " + REQUESTS + " requests; kind and status: " + statuses);
        assertThat(failures).as("malformed requests that were not answered with a 4xx problem (%d of %d; replay with"
                + " -Dfuzz.seed=%d)", failures.size(), REQUESTS, SEED).isEmpty();

        assertThat(api.get("/v1/health").status()).as("health after the fuzz (seed %d)", SEED).isEqualTo(200);
        assertThat(snapshot()).as("sessions after the fuzz (seed %d)", SEED).isEqualTo(before);
    }

    /** Null when the answer is a proper problem, else what is wrong with it. */
    private static String checkProblem(RawHttp.Answer answer) {
        if (answer.status() < 400 || answer.status() > 499) {
            return "status " + answer.status() + ": " + preview(answer.body().getBytes(StandardCharsets.UTF_8));
        }
        String type = answer.header("Content-Type");
        if (type == null || !type.startsWith("application/problem+json")) {
            return "status " + answer.status() + " with Content-Type " + type + ": "
                    + preview(answer.body().getBytes(StandardCharsets.UTF_8));
        }
        JsonNode body;
        try {
            body = Api.JSON.readTree(answer.body());
        } catch (Exception e) {
            return "status " + answer.status() + " with a body that is not JSON";
        }
        if (body == null || body.path("status").asInt() != answer.status() || body.path("title").asText().isBlank()
                || body.path("detail").asText().isBlank() || !body.path("type").asText().startsWith("urn:")) {
            return "status " + answer.status() + " with an incomplete problem: " + answer.body();
        }
        return null;
    }

    // What the server holds, as text: every session's fields and every event id.

    private static String snapshot() {
        awaitIdle("alpha");
        StringBuilder out = new StringBuilder();
        for (JsonNode s : api.get("/v1/sessions").json().get("sessions")) {
            String id = s.get("sessionId").asText();
            out.append(api.session(id)).append('\n');
            api.events(id).forEach(e -> out.append("  ").append(e.get("sequence").asLong()).append(' ')
                    .append(e.get("event_id").asText()).append('\n'));
        }
        return out.toString();
    }

    private static void awaitIdle(String id) {
        Eventually.until(id + " went idle", Duration.ofSeconds(30),
                () -> api.session(id).get("runningTurnId").isNull());
    }

    // The operations, read from the served document.

    private static List<Operation> operations(JsonNode doc) {
        List<Operation> operations = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            Set<String> methods = new java.util.TreeSet<>();
            path.getValue().fieldNames().forEachRemaining(m -> methods.add(m.toUpperCase()));
            methods.remove("PARAMETERS");
            for (String method : methods) {
                JsonNode op = path.getValue().get(method.toLowerCase());
                List<String> pathParams = new ArrayList<>();
                List<String> queryParams = new ArrayList<>();
                for (JsonNode p : op.path("parameters")) {
                    JsonNode param = p.has("$ref") ? resolve(doc, p.get("$ref").asText()) : p;
                    switch (param.path("in").asText()) {
                        case "path" -> pathParams.add(param.get("name").asText());
                        case "query" -> queryParams.add(param.get("name").asText());
                        default -> {
                        }
                    }
                }
                JsonNode schema = null;
                boolean required = false;
                if (op.has("requestBody")) {
                    JsonNode body = op.get("requestBody");
                    schema = resolve(doc, body.at("/content/application~1json/schema/$ref").asText());
                    required = body.path("required").asBoolean(false);
                }
                operations.add(new Operation(method, path.getKey(), Set.copyOf(methods), pathParams, queryParams,
                        schema, required));
            }
        }
        return operations;
    }

    private static JsonNode resolve(JsonNode doc, String ref) {
        return doc.at(ref.substring(1));
    }

    // The generator. Every request it makes is wrong in at least one way the server must refuse; it never makes
    // a valid one (a valid message would run a turn, a valid create would make a session).

    private enum Kind {
        WRONG_METHOD, WRONG_CONTENT_TYPE, ODD_ID, ODD_QUERY, BAD_ESCAPE_IN_QUERY, NO_OR_WRONG_TOKEN,
        FOREIGN_ORIGIN_OR_HOST, BROKEN_HTTP, INVALID_JSON, INVALID_UNICODE, WRONG_TYPE, MISSING_FIELD,
        EXTRA_FIELD, DUPLICATE_KEY, HUGE_BODY, NESTED_BODY
    }

    private static Request generate(Operation op, Random random) {
        List<Kind> kinds = new ArrayList<>(List.of(Kind.WRONG_METHOD, Kind.WRONG_CONTENT_TYPE,
                Kind.BAD_ESCAPE_IN_QUERY, Kind.FOREIGN_ORIGIN_OR_HOST, Kind.BROKEN_HTTP));
        if (op.path().startsWith("/v1/") && !op.path().equals("/v1/health")) {
            kinds.add(Kind.NO_OR_WRONG_TOKEN);
        }
        if (!op.pathParams().isEmpty()) {
            kinds.add(Kind.ODD_ID);
            kinds.add(Kind.ODD_ID);
        }
        if (op.queryParams().stream().anyMatch(q -> !q.equals("token"))) {
            kinds.add(Kind.ODD_QUERY);
            kinds.add(Kind.ODD_QUERY);
        }
        if (op.bodySchema() != null) {
            kinds.addAll(List.of(Kind.INVALID_JSON, Kind.INVALID_JSON, Kind.INVALID_UNICODE, Kind.WRONG_TYPE,
                    Kind.WRONG_TYPE, Kind.EXTRA_FIELD, Kind.DUPLICATE_KEY, Kind.HUGE_BODY, Kind.NESTED_BODY));
            if (op.bodySchema().has("required")) {
                kinds.add(Kind.MISSING_FIELD);
            }
        }
        Kind kind = kinds.get(random.nextInt(kinds.size()));
        return switch (kind) {
            case WRONG_METHOD -> wrongMethod(op, random);
            case WRONG_CONTENT_TYPE -> wrongContentType(op, random);
            case ODD_ID -> oddId(op, random);
            case ODD_QUERY -> oddQuery(op, random);
            case BAD_ESCAPE_IN_QUERY -> request(kind, op.method(), target(op, random, Map.of()) + "?"
                    + pick(random, "%zz=1", "offset=%", "a=%G0", "%=%", "x=%c3%28%zz", "tail=1%"), headers(), null);
            case NO_OR_WRONG_TOKEN -> noToken(op, random);
            case FOREIGN_ORIGIN_OR_HOST -> foreign(op, random);
            case BROKEN_HTTP -> brokenHttp(op, random);
            default -> badBody(kind, op, random);
        };
    }

    private static Request request(Kind kind, String method, String target, Map<String, String> headers,
                                   byte[] body) {
        return new Request(kind.name(), method, target, headers, body, null);
    }

    private static Map<String, String> headers(String... namesAndValues) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", AUTH);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return headers;
    }

    private static Map<String, String> json() {
        return headers("Content-Type", "application/json");
    }

    /** The path with every parameter filled: existing sessions, ids that exist nowhere, known agents. */
    private static String target(Operation op, Random random, Map<String, String> overrides) {
        String path = op.path();
        for (String param : op.pathParams()) {
            String value = overrides.getOrDefault(param, switch (param) {
                case "session_id" -> op.method().equals("POST") && op.path().equals("/v1/sessions/{session_id}")
                        ? "fz-" + random.nextInt(1000) : pick(random, "alpha", "ended", "ghost");
                case "agent" -> pick(random, "mock", "claude", "codex");
                case "name" -> "no-such-process";
                default -> "p" + random.nextInt(100);
            });
            path = path.replace("{" + param + "}", value);
        }
        return path;
    }

    private static Request wrongMethod(Operation op, Random random) {
        List<String> wrong = new ArrayList<>(List.of("GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS",
                "PROPFIND"));
        wrong.removeAll(op.pathMethods());
        String method = wrong.get(random.nextInt(wrong.size()));
        return request(Kind.WRONG_METHOD, method, target(op, random, Map.of()), headers(), null);
    }

    private static Request wrongContentType(Operation op, Random random) {
        String type = pick(random, "text/plain", "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=zz", "application/xml", "application/json; charset=iso-8859-1",
                "text/json", "application/json-patch+json", "", "application/*", "*/*");
        byte[] body = utf8(pick(random, "{\"agent\":\"mock\",\"message\":\"hi\",\"reply\":\"once\"}", "a=1&b=2",
                "--zz\r\nContent-Disposition: form-data; name=\"agent\"\r\n\r\nmock\r\n--zz--\r\n", "<agent/>"));
        Map<String, String> headers = type.isEmpty() ? headers() : headers("Content-Type", type);
        return request(Kind.WRONG_CONTENT_TYPE, op.method(), target(op, random, Map.of()), headers, body);
    }

    private static Request oddId(Operation op, Random random) {
        String param = op.pathParams().get(random.nextInt(op.pathParams().size()));
        String id = pick(random, "a".repeat(129 + random.nextInt(300)), "..", "%2E%2E", ".", "%2e", "%C3%A9t%C3%A9",
                "%00", "nul%00byte", "%0A", "a%2Fb", "%zz", "%", "a%20b", "%E4%B8%AD%E6%96%87", "%F0%9F%98%80",
                "%FF%FE", "~tilde", "semi;colon", "quote%22", "x%0D%0ASet-Cookie:%20a=b", "%2F", "back%5Cslash",
                "a*b", "comma,id", "at@id");
        Map<String, String> headers = op.bodySchema() != null ? json() : headers();
        byte[] body = op.bodySchema() != null ? validish(op, random) : null;
        return request(Kind.ODD_ID, op.method(), target(op, random, Map.of(param, id)), headers, body);
    }

    /** A body that would be accepted, for requests whose other part is what is wrong. */
    private static byte[] validish(Operation op, Random random) {
        JsonNode required = op.bodySchema().path("required");
        if (!required.isArray() || required.isEmpty()) {
            return utf8("{}");
        }
        return utf8(switch (required.get(0).asText()) {
            case "agent" -> "{\"agent\":\"mock\"}";
            case "message" -> "{\"message\":\"echo fuzz\"}";
            case "reply" -> "{\"reply\":\"once\"}";
            case "answers" -> "{\"answers\":[[\"a\"]]}";
            default -> "{}";
        });
    }

    private static Request oddQuery(Operation op, Random random) {
        List<String> params = op.queryParams().stream().filter(q -> !q.equals("token")).toList();
        String param = params.get(random.nextInt(params.size()));
        String value = switch (param) {
            case "include_raw", "follow" -> pick(random, "yes", "2", "TRUE", "tru", "%00", "-1", "on", "%E2%9C%93");
            case "limit" -> pick(random, "0", "-1", "10001", "abc", "1e3", "99999999999999999999", "1.5", "%2B",
                    "0x10", "%EF%BC%91");
            case "tail" -> pick(random, "-1", "10001", "x", "1e2", "99999999999999999999", "%20");
            default -> pick(random, "-1", "abc", "1e3", "99999999999999999999", "1.0", "NaN", "%00", "0x1",
                    "%D9%A3");
        };
        Map<String, String> overrides = new LinkedHashMap<>();
        op.pathParams().forEach(p -> overrides.put(p, p.equals("session_id") ? "alpha"
                : p.equals("agent") ? "mock" : p.equals("name") ? "no-such-process" : "p1"));
        String target = target(op, random, overrides) + "?" + param + "=" + value;
        return request(Kind.ODD_QUERY, op.method(), target, headers(), null);
    }

    private static Request noToken(Operation op, Random random) {
        Map<String, String> headers = new LinkedHashMap<>();
        switch (random.nextInt(4)) {
            case 0 -> {
            }
            case 1 -> headers.put("Authorization", "Bearer wrong-" + random.nextInt(1000));
            case 2 -> headers.put("Authorization", "Basic dXNlcjpwYXNz");
            default -> headers.put("Authorization", "Bearer " + RunningServer.TOKEN.substring(1));
        }
        byte[] body = op.bodySchema() != null ? validish(op, random) : null;
        if (body != null) {
            headers.put("Content-Type", "application/json");
        }
        return request(Kind.NO_OR_WRONG_TOKEN, op.method(), target(op, random, Map.of()), headers, body);
    }

    private static Request foreign(Operation op, Random random) {
        Map<String, String> headers = op.bodySchema() != null ? json() : headers();
        if (random.nextBoolean()) {
            headers.put("Origin", pick(random, "http://evil.example", "null", "https://localhost.evil.example",
                    "http://127.0.0.1.evil.example:" + server.port(), "file://"));
        } else {
            headers.put("Host", pick(random, "evil.example", "evil.example:" + server.port(), "127.0.0.1.nip.io",
                    "localhost.evil.example", "10.0.0.1:" + server.port(), "0x7f000001"));
        }
        byte[] body = op.bodySchema() != null ? validish(op, random) : null;
        return request(Kind.FOREIGN_ORIGIN_OR_HOST, op.method(), target(op, random, Map.of()), headers, body);
    }

    private static Request brokenHttp(Operation op, Random random) {
        String target = target(op, random, Map.of());
        String base = op.method() + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + server.port()
                + "\r\nAuthorization: " + AUTH + "\r\nConnection: close\r\n";
        String head = switch (random.nextInt(7)) {
            case 0 -> base + "X-Note: a\u0001b\r\n\r\n";
            case 1 -> base + "Content-Type: application/json\r\nContent-Length: " + pick(random, "abc", "-1", "1, 2",
                    "99999999999999999999") + "\r\n\r\n{}";
            case 2 -> base + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + pick(random, "zz", "-1", "fffffffffffffffffffff", "g") + "\r\n{}\r\n0\r\n\r\n";
            case 3 -> op.method() + " " + target + "?pad=" + "a".repeat(5000 + random.nextInt(5000))
                    + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
            case 4 -> base + "X-Big: " + "b".repeat(9000 + random.nextInt(5000)) + "\r\n\r\n";
            case 5 -> op.method() + " " + target + " HTTP/1.1\r\nAuthorization: " + AUTH
                    + "\r\nConnection: close\r\n\r\n"; // no Host
            default -> base + "Bad Header Name: x\r\n\r\n";
        };
        return new Request(Kind.BROKEN_HTTP.name(), null, null, Map.of(), null,
                head.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static Request badBody(Kind kind, Operation op, Random random) {
        Map<String, String> overrides = new LinkedHashMap<>();
        if (op.pathParams().contains("agent")) {
            overrides.put("agent", "mock"); // a known agent, so the body is what gets judged
        }
        String target = target(op, random, overrides);
        JsonNode schema = op.bodySchema();
        byte[] body = switch (kind) {
            // An optional body that is only whitespace counts as no body, so such an operation gets "{" instead.
            case INVALID_JSON -> utf8(notBlankUnlessRequired(op, pick(random, "{", "{\"agent\":", "{\"message\": \"unterminated}",
                    "{'agent':'mock'}", "{agent:\"mock\"}", "{\"reply\":once}", "{\"a\":1,}", "[1,2,",
                    "{\"message\":\"x\"} {}", "nul", "{\"answers\":[[\"a\"]}", "{\"message\":NaN}",
                    "{\"agent\":\"mock\" /* c */}", "{\"message\":\"\\q\"}", "{\"message\":\"tab\there\"}",
                    "\u0000", "{\"message\":01}", "[]", "\"text\"", "42", "true", "null", "{\"\":}", " ",
                    "{\"agent\":\"mock\"}]", "{\"message\":\"\\u12\"}")));
            case INVALID_UNICODE -> invalidUnicode(op, random);
            case WRONG_TYPE -> utf8(wrongType(op, random));
            case MISSING_FIELD -> utf8(pick(random, "{}", "{\"title\":\"t\"}", "{\"credentials\":{}}",
                    "{\"attachments\":[]}", "{\"unknown\":1}"));
            // Extra members, and no required one (an extra top-level member alone is allowed by the schemas).
            case EXTRA_FIELD -> utf8(pick(random, "{\"extra\":1}", "{\"credentials\":{\"AWS_SECRET\":\"x\"}}",
                    "{\"credentials\":{\"PATH\":\"/tmp\"},\"unknown\":[1]}", "{\"Agent\":\"mock\",\"MESSAGE\":\"hi\"}"));
            case DUPLICATE_KEY -> {
                String valid = new String(validish(op, random), StandardCharsets.UTF_8);
                yield utf8(valid.equals("{}") ? "{\"reinstall\":true,\"reinstall\":false}"
                        : valid.substring(0, valid.length() - 1) + "," + valid.substring(1));
            }
            case HUGE_BODY -> {
                int size = MAX_BODY + 1 + random.nextInt(4 * MAX_BODY);
                yield utf8("{\"message\":\"" + "x".repeat(size) + "\"}");
            }
            case NESTED_BODY -> {
                int depth = 33 + random.nextInt(3000);
                yield utf8(random.nextBoolean() ? "[".repeat(depth) + "]".repeat(depth)
                        : "{\"agent\":\"mock\",\"message\":\"m\",\"reply\":\"once\",\"answers\":[[\"a\"]],\"x\":"
                                + "{\"a\":".repeat(depth) + "1" + "}".repeat(depth) + "}");
            }
            default -> throw new IllegalStateException(kind.name());
        };
        if (kind == Kind.EXTRA_FIELD && schema.path("required").isEmpty()) {
            // No required field: an extra top-level member is fine there, so make the extra one ill-typed too.
            body = utf8("{\"extra\":1,\"reinstall\":\"yes\"}");
        }
        return request(kind, "POST", target, json(), body);
    }

    private static String notBlankUnlessRequired(Operation op, String body) {
        return body.isBlank() && !op.bodyRequired() ? "{" : body;
    }

    private static byte[] invalidUnicode(Operation op, Random random) {
        String valid = new String(validish(op, random), StandardCharsets.UTF_8);
        String prefix = valid.equals("{}") ? "{\"agentVersion\":\"" : "{\"title\":\"";
        if (random.nextBoolean()) {
            String escaped = pick(random, "\\ud800", "\\udfff", "a\\ud83d", "\\ude00b", "\\ud800\\ud800");
            return utf8(prefix + escaped + "\"," + valid.substring(1));
        }
        byte[][] bad = {{(byte) 0xFF}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                {(byte) 0xE2, (byte) 0x82}, {(byte) 0x80}, {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80,
                (byte) 0x80}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(utf8(prefix));
        out.writeBytes(bad[random.nextInt(bad.length)]);
        out.writeBytes(utf8("\"," + valid.substring(1)));
        return out.toByteArray();
    }

    /** The valid body with one member replaced by a value of a type its schema does not allow. */
    private static String wrongType(Operation op, Random random) {
        ObjectNode body;
        try {
            body = (ObjectNode) Api.JSON.readTree(validish(op, random));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        JsonNode properties = op.bodySchema().path("properties");
        List<String> names = new ArrayList<>();
        properties.fieldNames().forEachRemaining(names::add);
        String name = names.get(random.nextInt(names.size()));
        JsonNode property = properties.get(name);
        Set<String> allowed = new java.util.HashSet<>();
        if (property.has("$ref")) {
            allowed.add("object");
        } else if (property.path("type").isArray()) {
            property.get("type").forEach(t -> allowed.add(t.asText()));
        } else {
            allowed.add(property.path("type").asText());
        }
        List<Function<Random, JsonNode>> candidates = new ArrayList<>();
        if (!allowed.contains("string")) {
            candidates.add(r -> Api.JSON.getNodeFactory().textNode(pick(r, "", "7", "true", "x".repeat(50))));
        }
        if (!allowed.contains("integer") && !allowed.contains("number")) {
            candidates.add(r -> Api.JSON.getNodeFactory().numberNode(r.nextInt(2) == 0 ? -1 : 1e300));
        }
        if (!allowed.contains("boolean")) {
            candidates.add(r -> Api.JSON.getNodeFactory().booleanNode(r.nextBoolean()));
        }
        if (!allowed.contains("array")) {
            candidates.add(r -> Api.JSON.createArrayNode().add("a").add(1));
        }
        if (!allowed.contains("object")) {
            candidates.add(r -> Api.JSON.createObjectNode().put("k", "v"));
        }
        if (!allowed.contains("null")) {
            candidates.add(r -> Api.JSON.getNodeFactory().nullNode());
        }
        if (property.has("enum") || property.has("maxLength") || property.has("minLength")) {
            // Right type, wrong value: not in the enum, too long or empty.
            candidates.add(r -> Api.JSON.getNodeFactory().textNode(property.has("enum") ? "maybe"
                    : property.has("maxLength") ? "y".repeat(property.get("maxLength").asInt() + 1) : ""));
        }
        body.set(name, candidates.get(random.nextInt(candidates.size())).apply(random));
        return body.toString();
    }

    private static String pick(Random random, String... choices) {
        return choices[random.nextInt(choices.length)];
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String preview(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < Math.min(bytes.length, 160); i++) {
            int b = bytes[i] & 0xff;
            out.append(b >= 0x20 && b < 0x7f ? String.valueOf((char) b) : String.format("\\x%02x", b));
        }
        return out + (bytes.length > 160 ? "...(" + bytes.length + " bytes)" : "");
    }
}
