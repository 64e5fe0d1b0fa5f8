package dev.sandboxagent.server.support;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A real SSE client over HTTP: reads frames on its own thread, keeps every event it received (what "a client has
 * seen"), and can drop the connection mid-stream.
 */
public final class SseReader implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final List<JsonNode> events = new ArrayList<>();
    private final List<Long> frameIds = new ArrayList<>();
    private final List<String> comments = new ArrayList<>();
    private final Stream<String> lines;
    private final Thread reader;
    private volatile boolean finished;
    private volatile Throwable failure;
    private final int status;

    private SseReader(HttpResponse<Stream<String>> response) {
        this.status = response.statusCode();
        this.lines = response.body();
        this.reader = new Thread(this::read, "sse-reader");
        reader.setDaemon(true);
        reader.start();
    }

    public static SseReader open(String url, String token, Long lastEventId) {
        return open(HttpRequest.newBuilder(URI.create(url)).GET(), token, lastEventId);
    }

    public static SseReader open(HttpRequest.Builder request, String token, Long lastEventId) {
        request.header("Accept", "text/event-stream");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (lastEventId != null) {
            request.header("Last-Event-ID", Long.toString(lastEventId));
        }
        try {
            return new SseReader(HTTP.send(request.build(), HttpResponse.BodyHandlers.ofLines()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public int status() {
        return status;
    }

    private void read() {
        StringBuilder data = new StringBuilder();
        Long id = null;
        try {
            Iterator<String> it = lines.iterator();
            while (it.hasNext()) {
                String line = it.next();
                if (line.isEmpty()) {
                    if (data.length() > 0) {
                        JsonNode event = Api.JSON.readTree(data.toString());
                        synchronized (this) {
                            events.add(event);
                            frameIds.add(id);
                            notifyAll();
                        }
                    }
                    data.setLength(0);
                    id = null;
                } else if (line.startsWith("data: ")) {
                    data.append(line, 6, line.length());
                } else if (line.startsWith("id: ")) {
                    id = Long.parseLong(line.substring(4));
                } else if (line.startsWith(":")) {
                    synchronized (this) {
                        comments.add(line.substring(1).trim());
                        notifyAll();
                    }
                }
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            synchronized (this) {
                finished = true;
                notifyAll();
            }
        }
    }

    public synchronized List<JsonNode> events() {
        return List.copyOf(events);
    }

    /** Comment lines received (heartbeats), without the leading colon. */
    public synchronized List<String> comments() {
        return List.copyOf(comments);
    }

    /** Waits until at least {@code count} comment lines arrived. */
    public synchronized void awaitComments(int count, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (comments.size() < count) {
            long left = Duration.between(Instant.now(), deadline).toMillis();
            if (finished || left <= 0) {
                throw new AssertionError("only " + comments.size() + " comments within " + timeout);
            }
            try {
                wait(Math.min(left, 200));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** The {@code id:} of each frame, in the order received. */
    public synchronized List<Long> frameIds() {
        return List.copyOf(frameIds);
    }

    /** Waits until an event matches, the stream ends, or the deadline passes (then fails with what it saw). */
    public synchronized JsonNode await(Predicate<JsonNode> condition, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        int checked = 0;
        while (true) {
            for (; checked < events.size(); checked++) {
                if (condition.test(events.get(checked))) {
                    return events.get(checked);
                }
            }
            long left = Duration.between(Instant.now(), deadline).toMillis();
            if (finished || left <= 0) {
                throw new AssertionError("event not seen within " + timeout + " (stream "
                        + (finished ? "ended" : "open") + ", " + events.size() + " events, failure=" + failure + ")");
            }
            try {
                wait(Math.min(left, 200));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    public synchronized int awaitCount(int count, Duration timeout) {
        await(e -> events.size() >= count, timeout);
        return events.size();
    }

    /** Waits for the server to end the stream. */
    public synchronized void awaitEnd(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (!finished) {
            long left = Duration.between(Instant.now(), deadline).toMillis();
            if (left <= 0) {
                throw new AssertionError("stream did not end within " + timeout);
            }
            try {
                wait(Math.min(left, 200));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** Drops the connection, as a client that goes away mid-stream. */
    @Override
    public void close() {
        lines.close();
        reader.interrupt();
    }

    public static Predicate<JsonNode> type(String type) {
        return e -> type.equals(e.path("type").asText());
    }
}
