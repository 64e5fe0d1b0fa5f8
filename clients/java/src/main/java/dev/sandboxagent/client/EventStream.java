package dev.sandboxagent.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * A running event stream: a daemon thread reads SSE frames and hands each event, in sequence order, to the
 * consumer. {@link #close()} stops it (safe from any thread, the consumer's included).
 *
 * <p>A resuming stream (a session's {@code events/sse}) reconnects when the connection drops, sending
 * {@code Last-Event-ID} with the last sequence delivered, so the consumer sees every event exactly once across
 * reconnects. It gives up when no connection succeeds within the reconnect window. A turn stream
 * ({@code messages/stream}) ends when the server ends it.
 */
public final class EventStream implements AutoCloseable {
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

    private final HttpTransport transport;
    private final LongFunction<HttpTransport.Request> reconnectRequest;
    private final Duration reconnectWindow;
    private final Consumer<UniversalEvent> consumer;
    private final CompletableFuture<Void> completion = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread reader;
    private volatile InputStream body;
    private volatile long lastSequence;

    private EventStream(HttpTransport transport, InputStream firstBody, long offset,
                        LongFunction<HttpTransport.Request> reconnectRequest, Duration reconnectWindow,
                        Consumer<UniversalEvent> consumer, String name) {
        this.transport = transport;
        this.body = firstBody;
        this.lastSequence = offset;
        this.reconnectRequest = reconnectRequest;
        this.reconnectWindow = reconnectWindow;
        this.consumer = consumer;
        this.reader = new Thread(this::run, name);
        this.reader.setDaemon(true);
    }

    /**
     * Connects at once (so an unknown session or a bad token fails here, in the caller's thread), then reads on a
     * daemon thread.
     *
     * @param reconnectRequest builds the request to resume after a sequence; null for a stream that must not be
     *                         re-sent (a POST that starts a turn)
     */
    static EventStream open(HttpTransport transport, HttpTransport.Request first, long offset,
                            LongFunction<HttpTransport.Request> reconnectRequest, Duration reconnectWindow,
                            Consumer<UniversalEvent> consumer, String name) {
        InputStream body = transport.openStream(first);
        EventStream stream = new EventStream(transport, body, offset, reconnectRequest, reconnectWindow, consumer,
                name);
        stream.reader.start();
        return stream;
    }

    /** The sequence of the last event handed to the consumer (the offset the stream began at, before any). */
    public long lastSequence() {
        return lastSequence;
    }

    public boolean isOpen() {
        return !completion.isDone();
    }

    /**
     * Completes normally when the server ends a turn stream or when {@link #close()} is called; exceptionally with
     * {@link SandboxAgentException}, {@link ServerUnavailableException}, {@link UncheckedIOException} or whatever the
     * consumer threw.
     */
    public CompletableFuture<Void> completion() {
        return completion;
    }

    /** Blocks until the stream ends; rethrows its failure. */
    public void await() {
        try {
            completion.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    /** Blocks until the stream ends or the timeout passes; true if it ended. Rethrows its failure. */
    public boolean await(Duration timeout) {
        try {
            completion.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            return true;
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            closeBody();
            reader.interrupt();
            completion.complete(null);
        }
    }

    private void run() {
        long downSince = 0; // when the connection was last lost; meaningful while body == null
        Duration backoff = FIRST_BACKOFF;
        while (!closed.get()) {
            try {
                if (body == null) {
                    body = transport.openStream(reconnectRequest.apply(lastSequence));
                    backoff = FIRST_BACKOFF;
                    if (closed.get()) {
                        closeBody();
                        return;
                    }
                }
                readUntilEnd(body);
                closeBody();
                if (reconnectRequest == null) {
                    completion.complete(null);
                    return;
                }
                // The server ended a stream that has no natural end (it is restarting): resume like EventSource.
                downSince = System.nanoTime();
            } catch (ServerUnavailableException | IOException | UncheckedIOException e) {
                boolean wasConnected = body != null;
                closeBody();
                if (closed.get()) {
                    return;
                }
                if (wasConnected) {
                    downSince = System.nanoTime();
                }
                if (reconnectRequest == null
                        || Duration.ofNanos(System.nanoTime() - downSince).compareTo(reconnectWindow) > 0) {
                    fail(e instanceof IOException io ? transport.networkFailure(io) : (RuntimeException) e);
                    return;
                }
                if (!sleep(backoff)) {
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            } catch (ConsumerFailure e) {
                closeBody();
                fail(e.getCause());
                return;
            } catch (RuntimeException | Error e) {
                // HTTP errors on reconnect (the session was deleted: 404) and malformed events end the stream.
                closeBody();
                fail(e);
                return;
            }
        }
    }

    private void readUntilEnd(InputStream in) throws IOException {
        SseFrameReader frames = new SseFrameReader(in);
        SseFrameReader.Frame frame;
        while (!closed.get() && (frame = frames.next()) != null) {
            UniversalEvent event;
            try {
                event = LightJson.decode(LightJson.parse(frame.data()), UniversalEvent.class);
            } catch (JsonProcessingException | IllegalArgumentException e) {
                // Not an IOException: a reconnect would only read the same broken event again.
                throw new IllegalStateException("the server sent an event that is not valid JSON: "
                        + (e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage()), e);
            }
            if (event.sequence() <= lastSequence) {
                continue; // already delivered before a reconnect; the server should not resend, but never twice
            }
            // Before the hand-over, so a caller woken by the consumer (a latch, a future) already reads this event's
            // sequence; a consumer that throws ends the stream, so no reconnect can skip the event.
            lastSequence = event.sequence();
            try {
                consumer.accept(event);
            } catch (RuntimeException | Error e) {
                throw new ConsumerFailure(e);
            }
        }
    }

    private boolean sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
            return !closed.get();
        } catch (InterruptedException e) {
            return false;
        }
    }

    private void fail(Throwable failure) {
        if (closed.compareAndSet(false, true)) {
            completion.completeExceptionally(failure);
        }
    }

    private void closeBody() {
        InputStream current = body;
        body = null;
        if (current != null) {
            try {
                current.close();
            } catch (IOException ignored) {
                // closing a half-read HTTP body: nothing useful to do about a failure here
            }
        }
    }

    private static RuntimeException rethrow(Throwable failure) {
        if (failure instanceof RuntimeException runtime) {
            return runtime;
        }
        if (failure instanceof Error error) {
            throw error;
        }
        return new IllegalStateException(failure);
    }

    /** Carries the consumer's own exception past the reconnect logic, which must not retry it. */
    private static final class ConsumerFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ConsumerFailure(Throwable cause) {
            super(cause);
        }
    }
}
