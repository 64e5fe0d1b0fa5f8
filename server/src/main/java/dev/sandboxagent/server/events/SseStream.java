package dev.sandboxagent.server.events;

import dev.sandboxagent.store.UniversalEvent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * A Server-Sent Events response carrying UniversalEvents: one frame per event with {@code id: <sequence>} so that
 * EventSource reconnects resume by themselves (Last-Event-ID), and a comment heartbeat while idle so proxies keep
 * the connection open. Frames have no {@code event:} field, so EventSource's onmessage sees every event.
 *
 * <p>A frame's data is the event's bytes as the store wrote them ({@link UniversalEvent#encoded(boolean)}): nothing
 * is encoded per subscriber, and with {@code include_raw} the raw payload is spliced in, not re-encoded.
 */
final class SseStream implements EventSink {
    private static final System.Logger LOG = dev.sandboxagent.server.http.SafeLog.logger(SseStream.class);

    private final Vertx vertx;
    private final HttpServerResponse response;
    private final boolean includeRaw;
    private final Predicate<UniversalEvent> isLast;
    private final long heartbeatTimer;
    private volatile Subscription subscription;
    private boolean wroteSinceHeartbeat;
    /**
     * Frames delivered but not yet written: a delivery task's events go out as one buffer, written and flushed
     * once ({@link #flush()}), rather than a socket write and flush per event. Bounded by what one task delivers
     * (Subscription's pump batch or store page).
     */
    private Buffer pending;

    /**
     * Starts the response (status, headers and a first comment, so clients see the stream open at once).
     *
     * @param isLast the stream ends after the first event this accepts (never, for a session's event stream)
     */
    public SseStream(Vertx vertx, HttpServerResponse response, boolean includeRaw, Predicate<UniversalEvent> isLast,
                     Duration heartbeat) {
        this.vertx = vertx;
        this.response = response;
        this.includeRaw = includeRaw;
        this.isLast = isLast;
        response.setStatusCode(200)
                .setChunked(true)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-cache")
                .putHeader("X-Accel-Buffering", "no");
        response.write(": stream open\n\n");
        this.heartbeatTimer = vertx.setPeriodic(heartbeat.toMillis(), id -> heartbeat());
        response.closeHandler(v -> stop());
        response.exceptionHandler(e -> stop());
    }

    public void attach(Subscription subscription) {
        this.subscription = subscription;
        if (response.closed()) {
            stop();
        }
    }

    @Override
    public boolean deliver(UniversalEvent event) {
        if (response.closed()) {
            stop();
            return false;
        }
        byte[] json = event.encoded(includeRaw);
        if (pending == null) {
            pending = Buffer.buffer(Math.max(4096, json.length + 32));
        }
        appendFrame(pending, event.sequence(), json);
        wroteSinceHeartbeat = true;
        if (isLast.test(event)) {
            end();
            return false;
        }
        return true;
    }

    @Override
    public void flush() {
        Buffer frames = pending;
        pending = null;
        if (frames != null && !response.closed() && !response.ended()) {
            response.write(frames);
        }
    }

    /** {@code id: <sequence>\ndata: <json>\n\n}: the stored JSON is one line, so one data line carries it. */
    private static Buffer appendFrame(Buffer to, long sequence, byte[] json) {
        return to.appendString("id: ").appendString(Long.toString(sequence)).appendString("\ndata: ")
                .appendBytes(json)
                .appendString("\n\n");
    }

    @Override
    public boolean writeQueueFull() {
        return response.writeQueueFull();
    }

    @Override
    public void onWritable(Runnable resume) {
        response.drainHandler(v -> {
            response.drainHandler(null);
            resume.run();
        });
    }

    @Override
    public void closed(Throwable failure) {
        if (failure != null) {
            LOG.log(Level.WARNING, "event stream ended: " + failure.getMessage());
        }
        end();
    }

    @Override
    public void notice(String text) {
        if (!response.closed() && !response.ended()) {
            flush(); // after the events delivered before it
            // A comment is one line: no line break may end it early or start a field.
            response.write(": " + text.replaceAll("[\\r\\n]+", " ") + "\n\n");
        }
    }

    private void heartbeat() {
        if (response.closed()) {
            stop();
            return;
        }
        if (!wroteSinceHeartbeat) {
            response.write(": heartbeat\n\n");
        }
        wroteSinceHeartbeat = false;
    }

    private void end() {
        stop();
        Buffer frames = pending;
        pending = null;
        if (!response.ended() && !response.closed()) {
            if (frames != null) {
                response.end(frames);
            } else {
                response.end();
            }
        }
    }

    private void stop() {
        vertx.cancelTimer(heartbeatTimer);
        Subscription s = subscription;
        if (s != null) {
            s.close();
        }
    }
}
