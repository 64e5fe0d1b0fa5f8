package dev.sandboxagent.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.net.ssl.SSLParameters;

/**
 * The HTTP plumbing under {@link SandboxAgentClient}: builds requests (base URL, bearer token), turns error answers
 * into {@link SandboxAgentException} and network failures into {@link ServerUnavailableException} or
 * {@link UncheckedIOException}, so that callers only ever see those three.
 */
final class HttpTransport {
    private final HttpClient http;
    private final URI base;
    private final String token;
    private final Duration requestTimeout;

    HttpTransport(URI baseUrl, String token, Duration connectTimeout, Duration requestTimeout) {
        // A trailing slash makes relative resolution keep any path prefix (a server behind a proxy at /agent/).
        String text = baseUrl.toString();
        this.base = URI.create(text.endsWith("/") ? text : text + "/");
        this.token = token;
        this.requestTimeout = requestTimeout;
        HttpClient.Builder builder = HttpClient.newBuilder()
                // HTTP/1.1 on purpose: with HTTP_2 the JDK client sends an h2c upgrade on every plain-http request.
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER);
        if ("http".equals(baseUrl.getScheme())) {
            builder.sslContext(new NoTlsContext()).sslParameters(new SSLParameters());
        }
        this.http = builder.build();
    }

    /** The base URL as the user gave it, for messages. */
    URI displayUrl() {
        String text = base.toString();
        return URI.create(text.substring(0, text.length() - 1));
    }

    HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(path)).timeout(requestTimeout);
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder;
    }

    static HttpRequest.BodyPublisher jsonBody(Object body) {
        try {
            return HttpRequest.BodyPublishers.ofString(Json.MAPPER.writeValueAsString(body), StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot encode request body: " + e.getOriginalMessage(), e);
        }
    }

    /** Sends and returns the parsed JSON answer (null for 204), throwing for any non-2xx answer. */
    JsonNode exchange(HttpRequest.Builder request) {
        HttpResponse<String> response = send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() / 100 != 2) {
            throw failure(response.statusCode(), contentType(response), response.body());
        }
        String body = response.body();
        if (body == null || body.isEmpty()) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("the server at " + displayUrl() + " sent an answer that is not JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    <T> T exchange(HttpRequest.Builder request, Class<T> type) {
        return convert(exchange(request), type);
    }

    static <T> T convert(JsonNode tree, Class<T> type) {
        try {
            return Json.MAPPER.treeToValue(tree, type);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("unexpected answer shape for " + type.getSimpleName() + ": "
                    + e.getOriginalMessage(), e);
        }
    }

    /** Opens a streaming answer; the caller owns (and must close) the returned body. */
    InputStream openStream(HttpRequest.Builder request) {
        HttpResponse<InputStream> response = send(request.header("Accept", "text/event-stream"),
                HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() / 100 != 2) {
            String body;
            try (InputStream in = response.body()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                body = "";
            }
            throw failure(response.statusCode(), contentType(response), body);
        }
        return response.body();
    }

    private <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(request.build(), handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new InterruptedIOException("interrupted while talking to "
                    + displayUrl()));
        } catch (IOException e) {
            throw networkFailure(e);
        } catch (UnresolvedAddressException e) {
            throw new ServerUnavailableException(displayUrl(), e);
        }
    }

    RuntimeException networkFailure(IOException e) {
        if (isUnreachable(e)) {
            return new ServerUnavailableException(displayUrl(), e);
        }
        if (e instanceof HttpTimeoutException) {
            return new UncheckedIOException("no answer from " + displayUrl() + " within "
                    + requestTimeout.toSeconds() + " s", e);
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new UncheckedIOException("lost the connection to " + displayUrl() + ": " + message, e);
    }

    /** Failures that mean "nobody is listening there", as opposed to a server that went wrong mid-answer. */
    static boolean isUnreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof HttpConnectTimeoutException
                    || t instanceof NoRouteToHostException || t instanceof UnknownHostException
                    || t instanceof UnresolvedAddressException) {
                return true;
            }
        }
        return false;
    }

    private static String contentType(HttpResponse<?> response) {
        return response.headers().firstValue("Content-Type").orElse("");
    }

    private static SandboxAgentException failure(int status, String contentType, String body) {
        if (contentType.contains("json") && body != null && !body.isBlank()) {
            try {
                JsonNode tree = Json.MAPPER.readTree(body);
                if (tree != null && tree.isObject()) {
                    return new SandboxAgentException(Problem.fromJson(tree, status));
                }
            } catch (JsonProcessingException e) {
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
}
