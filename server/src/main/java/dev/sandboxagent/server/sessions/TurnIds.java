package dev.sandboxagent.server.sessions;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turn ids, {@code turn_} and 16 hex digits as always, without a {@link SecureRandom} draw per turn (a lock, a
 * SHA-1 mix and now and then a read of {@code /dev/urandom}, on every message). Each id is a counter passed through
 * SplitMix64's finalizer, a bijection on 64 bits: ids of one process are distinct by construction and do not look
 * counted; the counter starts at a value drawn from {@code SecureRandom} once, so the ids of another process (a
 * restart on the same data directory) differ from these with the odds of two random 64-bit draws. A turn id is no
 * secret (every reader of the session's stream sees it; nothing is authorized by one), so that is all it needs.
 */
final class TurnIds {
    private static final byte[] PREFIX = "turn_".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    /** Null until the first turn draws its start ({@link #firstCounter}). */
    private volatile AtomicLong counter;

    TurnIds() {
    }

    /** For tests: a given start. */
    TurnIds(long start) {
        this.counter = new AtomicLong(start);
    }

    String next() {
        AtomicLong started = counter;
        if (started == null) {
            started = firstCounter();
        }
        long value = mix(started.getAndIncrement());
        byte[] id = new byte[PREFIX.length + 16];
        System.arraycopy(PREFIX, 0, id, 0, PREFIX.length);
        for (int i = id.length - 1; i >= PREFIX.length; i--) {
            id[i] = HEX[(int) (value & 0xf)];
            value >>>= 4;
        }
        return new String(id, StandardCharsets.US_ASCII);
    }

    /**
     * The start, drawn by the first turn and not when the server starts: a JVM's first {@code SecureRandom} loads
     * and seeds the JDK's security providers (~60 classes and their tables), which an idle server would otherwise
     * hold for nothing (docs/benchmarks.md "Idle RSS, session 12").
     */
    private synchronized AtomicLong firstCounter() {
        if (counter == null) {
            counter = new AtomicLong(new SecureRandom().nextLong());
        }
        return counter;
    }

    /** SplitMix64's finalizer: distinct inputs give distinct outputs. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
