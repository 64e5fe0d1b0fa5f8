package dev.sandboxagent.bench.sidebyside;

import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * One SSE reader on one of our sessions: checks that sequences arrive one after another with no gap, counts them,
 * and signals each {@code turn.ended}. Reads only the frame's id and the event's top-level type (and, when asked,
 * time) without parsing the JSON: at 200k events per client, a full parse would cost the client more CPU than the
 * server spends, on the same two cores.
 */
final class OurStream implements AutoCloseable {
    private final SseStream sse;
    private final BlockingQueue<Long> turnsEnded = new LinkedBlockingQueue<>();
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong gaps = new AtomicLong();
    private volatile long lastSequence;
    private volatile long lastTurnEndedNanos;

    /**
     * Opens {@code /v1/sessions/ID/events/sse?offset=OFFSET}. {@code deltaLatencyMicros}, when not null, gets for
     * each {@code item.delta} the microseconds from its event time (when the server took the agent's line) to
     * its arrival here.
     */
    OurStream(int port, String sessionId, long offset, LongConsumer deltaLatencyMicros) throws IOException {
        lastSequence = offset;
        sse = new SseStream(port, "/v1/sessions/" + sessionId + "/events/sse?offset=" + offset, (id, data) -> {
            long arrived = deltaLatencyMicros == null ? 0 : nowMicros();
            if (id != lastSequence + 1) {
                gaps.incrementAndGet();
            }
            lastSequence = id;
            events.incrementAndGet();
            String type = field(data, "\"type\":\"");
            if (dev.sandboxagent.schema.EventType.TURN_ENDED.is(type)) {
                lastTurnEndedNanos = System.nanoTime();
                turnsEnded.add(id);
            } else if (deltaLatencyMicros != null && dev.sandboxagent.schema.EventType.ITEM_DELTA.is(type)) {
                Instant time = Instant.parse(field(data, "\"time\":\""));
                deltaLatencyMicros.accept(arrived - (time.getEpochSecond() * 1_000_000 + time.getNano() / 1_000));
            }
        });
    }

    private static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    }

    /** The first string value after {@code key} (the top-level one: type and time come before data). */
    private static String field(String json, String key) {
        int start = json.indexOf(key);
        if (start < 0) {
            return null;
        }
        start += key.length();
        return json.substring(start, json.indexOf('"', start));
    }

    /** Waits for the next turn.ended; fails after the timeout or if the stream broke. */
    void awaitTurnEnded(long timeoutSeconds) throws IOException, InterruptedException {
        // In slices, so that a stream that broke fails the wait at once instead of after the whole timeout
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        Long ended = null;
        while (ended == null && sse.failure() == null && System.nanoTime() < deadline) {
            ended = turnsEnded.poll(Math.min(1_000_000_000L, Math.max(1, deadline - System.nanoTime())),
                    TimeUnit.NANOSECONDS);
        }
        if (ended == null) {
            ended = turnsEnded.poll(); // a turn.ended that came with the stream's end
        }
        if (ended == null) {
            throw new IOException(sse.failure() == null
                    ? "no turn.ended within " + timeoutSeconds + " s (last sequence " + lastSequence + ")"
                    : "no turn.ended: the stream failed after sequence " + lastSequence + ": " + sse.failure());
        }
    }

    /** System.nanoTime() when the last turn.ended arrived. */
    long lastTurnEndedNanos() {
        return lastTurnEndedNanos;
    }

    long events() {
        return events.get();
    }

    long gaps() {
        return gaps.get() + (sse.failure() == null ? 0 : 1);
    }

    long lastSequence() {
        return lastSequence;
    }

    @Override
    public void close() {
        sse.close();
    }
}
