package dev.sandboxagent.server.events;

import dev.sandboxagent.store.UniversalEvent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
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

    private static final byte[] ID = "id: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "\ndata: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    /** The frame around an event's JSON, at most: id, a sequence of 19 digits, data and the ends. */
    private static final int FRAME_OVERHEAD = 4 + 19 + 7 + 2;
    /**
     * The smallest and the largest buffer a task starts with (it grows beyond if need be). Small: a live stream's
     * task usually carries one event of a few hundred bytes, and a 4 KiB start was a third of the server's garbage
     * per delivered event (docs/benchmarks.md, "Latency, session 15").
     */
    private static final int MIN_INITIAL_BYTES = 256;
    private static final int MAX_INITIAL_BYTES = 256 * 1024;

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
    /** Where {@link #appendFrame} writes a sequence's digits (19: the most a long has); event loop only. */
    private final byte[] digits = new byte[19];
    /** What the last write carried (and some), to size the next task's buffer. */
    private int lastWriteBytes = MIN_INITIAL_BYTES;

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
            // Sized like the last write: a task's frames then fit without the buffer growing (copying) on the way.
            pending = Buffer.buffer(Math.max(lastWriteBytes, json.length + FRAME_OVERHEAD));
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
            int next = frames.length() + frames.length() / 8;
            lastWriteBytes = Math.max(MIN_INITIAL_BYTES, Math.min(MAX_INITIAL_BYTES, next));
            response.write(frames);
        }
    }

    /** {@code id: <sequence>\ndata: <json>\n\n}: the stored JSON is one line, so one data line carries it. */
    private void appendFrame(Buffer to, long sequence, byte[] json) {
        int start = writeDigits(sequence, digits);
        to.appendBytes(ID).appendBytes(digits, start, digits.length - start).appendBytes(DATA).appendBytes(json)
                .appendBytes(END);
    }

    /**
     * Writes the decimal digits of a sequence (positive) at the end of {@code into}, as ASCII bytes; returns where
     * they start. Into the stream's own array: an array per frame was a third of the SSE side's allocation.
     */
    static int writeDigits(long value, byte[] into) {
        int at = into.length;
        do {
            into[--at] = (byte) ('0' + value % 10);
            value /= 10;
        } while (value > 0);
        return at;
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
