package dev.sandboxagent.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The HTTP plumbing under {@link SandboxAgentClient}: builds requests (base URL, bearer token), sends them with
 * {@link Http11}, turns error answers into {@link SandboxAgentException} and network failures into
 * {@link ServerUnavailableException} or {@link UncheckedIOException}, so that callers only ever see those three.
 */
final class HttpTransport {
    private final URI base;
    private final String token;
    private final Duration connectTimeout;
    private final Duration requestTimeout;

    HttpTransport(URI baseUrl, String token, Duration connectTimeout, Duration requestTimeout) {
        // A trailing slash makes relative resolution keep any path prefix (a server behind a proxy at /agent/).
        String text = baseUrl.toString();
        this.base = URI.create(text.endsWith("/") ? text : text + "/");
        this.token = token;
        this.connectTimeout = connectTimeout;
        this.requestTimeout = requestTimeout;
    }

    /** The base URL as the user gave it, for messages. */
    URI displayUrl() {
        String text = base.toString();
        return URI.create(text.substring(0, text.length() - 1));
    }

    /** A GET of {@code path} (relative to the base URL) with the token; change it with the request's methods. */
    Request request(String path) {
        Request request = new Request(base.resolve(path), requestTimeout);
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return request;
    }

    static byte[] jsonBody(Object body) {
        return LightJson.encode(body);
    }

    /** Sends and returns the parsed JSON answer (null for 204), throwing for any non-2xx answer. */
    JsonNode exchange(Request request) {
        String body = successBody(request);
        if (body.isEmpty()) {
            return null;
        }
        try {
            return LightJson.parseAnswer(body);
        } catch (PlainJson.Malformed e) {
            throw notJson(e.getMessage(), e);
        }
    }

    <T> T exchange(Request request, Class<T> type) {
        if (!PlainRecords.reads(type)) {
            return convert(exchange(request), type);
        }
        // The list's and get's answers: read without Jackson (PlainJson; docs/benchmarks.md "CLI round trip,
        // session 11").
        String body = successBody(request);
        if (body.isEmpty()) {
            return null;
        }
        Object tree;
        try {
            tree = PlainJson.parse(body);
        } catch (PlainJson.Malformed e) {
            throw notJson(e.getMessage(), e);
        }
        try {
            return PlainRecords.decode(tree, type);
        } catch (IllegalArgumentException e) {
            throw wrongShape(type, e);
        }
    }

    /** The answer's body, read to its end; a non-2xx answer thrown as {@link SandboxAgentException}. */
    private String successBody(Request request) {
        String body;
        Http11.Response response = send(request, false);
        try (InputStream in = response.body()) {
            body = Http11.readAll(in);
        } catch (IOException e) {
            throw networkFailure(e, request.timeout);
        }
        if (response.status() / 100 != 2) {
            throw failure(response.status(), response.header("Content-Type"), body);
        }
        return body;
    }

    private UncheckedIOException notJson(String why, Exception cause) {
        return new UncheckedIOException("the server at " + displayUrl() + " sent an answer that is not JSON: " + why,
                new IOException(why, cause));
    }

    static <T> T convert(JsonNode tree, Class<T> type) {
        try {
            return LightJson.decode(tree, type);
        } catch (IllegalArgumentException e) {
            throw wrongShape(type, e);
        }
    }

    private static UncheckedIOException wrongShape(Class<?> type, IllegalArgumentException e) {
        return new UncheckedIOException("unexpected answer shape for " + type.getSimpleName() + ": "
                + e.getMessage(), new IOException(e.getMessage(), e));
    }

    /** Opens a streaming answer; the caller owns (and must close) the returned body. */
    InputStream openStream(Request request) {
        Http11.Response response = send(request.header("Accept", "text/event-stream"), true);
        if (response.status() / 100 != 2) {
            String body;
            try (InputStream in = response.body()) {
                body = Http11.readAll(in);
            } catch (IOException e) {
                body = "";
            }
            throw failure(response.status(), response.header("Content-Type"), body);
        }
        return response.body();
    }

    private Http11.Response send(Request request, boolean streaming) {
        Http11.Target target = new Http11.Target(request.uri, millis(connectTimeout), millis(request.timeout));
        try {
            return Http11.exchange(target, request.method, request.headers, request.body, streaming);
        } catch (Http11.ConnectFailure e) {
            throw new ServerUnavailableException(displayUrl(), e.getCause());
        } catch (IOException e) {
            throw networkFailure(e, request.timeout);
        }
    }

    private static int millis(Duration timeout) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
    }

    RuntimeException networkFailure(IOException e) {
        return networkFailure(e, requestTimeout);
    }

    private RuntimeException networkFailure(IOException e, Duration timeout) {
        if (e instanceof Http11.ConnectFailure || isUnreachable(e)) {
            return new ServerUnavailableException(displayUrl(), e instanceof Http11.ConnectFailure
                    ? e.getCause() : e);
        }
        if (e instanceof Http11.HeadTimeout || e instanceof java.net.SocketTimeoutException) {
            return new UncheckedIOException("no answer from " + displayUrl() + " within "
                    + timeout.toSeconds() + " s", e);
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new UncheckedIOException("lost the connection to " + displayUrl() + ": " + message, e);
    }

    /** Failures that mean "nobody is listening there", as opposed to a server that went wrong mid-answer. */
    static boolean isUnreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof Http11.ConnectFailure
                    || t instanceof NoRouteToHostException || t instanceof UnknownHostException
                    || t instanceof UnresolvedAddressException) {
                return true;
            }
        }
        return false;
    }

    private static SandboxAgentException failure(int status, String contentType, String body) {
        if (contentType.contains("json") && body != null && !body.isBlank()) {
            try {
                JsonNode tree = LightJson.parseAnswer(body);
                if (tree != null && tree.isObject()) {
                    return new SandboxAgentException(Problem.fromJson(tree, status));
                }
            } catch (PlainJson.Malformed e) {
                // not JSON after all: fall through and show the raw body
            }
        }
        return new SandboxAgentException(Problem.fromPlainBody(status, body));
    }

    /** Percent-encodes one path segment (ids come from users; never let one smuggle in a {@code /} or {@code ?}). */
    static String segment(String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("an id must not be empty");
        }
        StringBuilder out = new StringBuilder(value.length());
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    /**
     * One request, built the way {@code HttpRequest.Builder} is (a GET until told otherwise): method, headers, an
     * optional body, and how long to wait for the answer's head.
     */
    static final class Request {
        private final URI uri;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private String method = "GET";
        private byte[] body;
        private Duration timeout;

        private Request(URI uri, Duration timeout) {
            this.uri = uri;
            this.timeout = timeout;
        }

        Request header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        Request timeout(Duration value) {
            this.timeout = value;
            return this;
        }

        Request GET() {
            return method("GET", null);
        }

        Request DELETE() {
            return method("DELETE", null);
        }

        /** A POST without a body (sent with {@code Content-Length: 0}). */
        Request POST() {
            return method("POST", new byte[0]);
        }

        Request POST(byte[] json) {
            return method("POST", json);
        }

        private Request method(String name, byte[] content) {
            this.method = name;
            this.body = content;
            return this;
        }
    }
}
