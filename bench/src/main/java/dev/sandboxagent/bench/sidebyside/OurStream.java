package dev.sandboxagent.bench.sidebyside;

import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

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

    /** What a latency reader is told of each {@code item.delta}, in microseconds until its arrival here. */
    interface DeltaLatency {
        /**
         * {@code fromEventTime}: since its event time, which the server stamps when it takes the agent's line, to the
         * millisecond (so 0-1 ms more than the true figure, and without the PTY hop); {@code fromAgentWrite}: since
         * the mock wrote the line, from the stamp a {@code stream <n> <ms> stamped} delta carries in its text (to the
         * microsecond, the same wall clock), or -1 for a delta without one.
         */
        void delta(long fromEventTime, long fromAgentWrite);
    }

    /**
     * Opens {@code /v1/sessions/ID/events/sse?offset=OFFSET}. {@code deltaLatency}, when not null, is told each
     * {@code item.delta}'s latency.
     */
    OurStream(int port, String sessionId, long offset, DeltaLatency deltaLatency) throws IOException {
        lastSequence = offset;
        sse = new SseStream(port, "/v1/sessions/" + sessionId + "/events/sse?offset=" + offset, (id, data) -> {
            long arrived = deltaLatency == null ? 0 : nowMicros();
            if (id != lastSequence + 1) {
                gaps.incrementAndGet();
            }
            lastSequence = id;
            events.incrementAndGet();
            String type = field(data, "\"type\":\"");
            if (dev.sandboxagent.schema.EventType.TURN_ENDED.is(type)) {
                lastTurnEndedNanos = System.nanoTime();
                turnsEnded.add(id);
            } else if (deltaLatency != null && dev.sandboxagent.schema.EventType.ITEM_DELTA.is(type)) {
                Instant time = Instant.parse(field(data, "\"time\":\""));
                long written = agentStampMicros(field(data, "\"delta\":\""));
                deltaLatency.delta(arrived - (time.getEpochSecond() * 1_000_000 + time.getNano() / 1_000),
                        written < 0 ? -1 : arrived - written);
            }
        });
    }

    /** The microseconds since the epoch in a stamped delta's text ({@code "12@1796269655.364514 "}), else -1. */
    static long agentStampMicros(String delta) {
        int at = delta == null ? -1 : delta.indexOf('@');
        int point = at < 0 ? -1 : delta.indexOf('.', at);
        if (point < 0 || delta.length() < point + 7) {
            return -1;
        }
        try {
            return Long.parseLong(delta, at + 1, point, 10) * 1_000_000 + Long.parseLong(delta, point + 1, point + 7, 10);
        } catch (NumberFormatException e) {
            return -1;
        }
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
