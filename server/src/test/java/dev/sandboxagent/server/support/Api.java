package dev.sandboxagent.server.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Raw HTTP against a running server, for tests that must send exactly what a careless client sends (bad JSON,
 * odd ids, no token). Answers are parsed JSON when there is a body.
 */
public final class Api {
    public static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String base;
    private final String token;

    public Api(String base, String token) {
        this.base = base;
        this.token = token;
    }

    public Api withToken(String other) {
        return new Api(base, other);
    }

    public String base() {
        return base;
    }

    public String token() {
        return token;
    }

    public record Answer(int status, String contentType, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    public Answer get(String path) {
        return send(request(path).GET());
    }

    public Answer delete(String path) {
        return send(request(path).DELETE());
    }

    public Answer post(String path, String body) {
        return post(path, body, null);
    }

    public Answer post(String path, String body, String idempotencyKey) {
        HttpRequest.Builder b = request(path).header("Content-Type", "application/json")
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            b.header("Idempotency-Key", idempotencyKey);
        }
        return send(b);
    }

    public Answer postBytes(String path, byte[] body) {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    // Typed conveniences for the happy path.

    public JsonNode createSession(String id, String agent) {
        Answer a = post("/v1/sessions/" + id, "{\"agent\":\"" + agent + "\"}");
        require(a, 200);
        return a.json();
    }

    public String sendMessage(String id, String message) {
        Answer a = post("/v1/sessions/" + id + "/messages", json(java.util.Map.of("message", message)));
        require(a, 202);
        return a.json().get("turnId").asText();
    }

    public JsonNode session(String id) {
        Answer a = get("/v1/sessions/" + id);
        require(a, 200);
        return a.json();
    }

    /** Every stored event of a session, paging through the API. */
    public List<JsonNode> events(String id) {
        List<JsonNode> all = new ArrayList<>();
        long offset = 0;
        while (true) {
            Answer a = get("/v1/sessions/" + id + "/events?offset=" + offset + "&limit=1000");
            require(a, 200);
            JsonNode page = a.json();
            page.get("events").forEach(all::add);
            if (!all.isEmpty()) {
                offset = all.get(all.size() - 1).get("sequence").asLong();
            }
            if (!page.get("hasMore").asBoolean()) {
                return all;
            }
        }
    }

    public static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void require(Answer a, int status) {
        if (a.status() != status) {
            throw new AssertionError("expected " + status + " but got " + a);
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private static Answer send(HttpRequest.Builder b) {
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
