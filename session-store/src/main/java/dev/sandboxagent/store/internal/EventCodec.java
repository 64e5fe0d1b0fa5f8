package dev.sandboxagent.store.internal;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ids and times the store gives events. (The events' JSON is made by {@code UniversalEvent.encode}, once, and
 * kept: see {@link EventTable}.) Both run on the store's writer for every append, so neither goes through
 * {@code DateTimeFormatter} or {@code SecureRandom} each time.
 */
final class EventCodec {
    /** The second last formatted, with its text up to the fraction: appends in one second share it. */
    private static volatile Second lastSecond = new Second(Long.MIN_VALUE, "");

    /**
     * Event ids: 64 bits drawn from SecureRandom once per process, then a counter mixed by a bijection. The ids must
     * never repeat (a session's sequences restart at 1 when it is deleted and created again, and events of every
     * session share one table), and they are not secrets: every reader of a stream sees them, and nothing is
     * authorized by one. Distinct counter values give distinct ids by construction within a process; the random
     * half keeps the ids of two processes (a restart on the same data directory) apart, with the odds of two UUIDs.
     */
    private static final long PROCESS_BITS = new SecureRandom().nextLong();
    private static final AtomicLong COUNTER = new AtomicLong(new SecureRandom().nextLong());

    /** The millisecond last formatted and its text: a fast agent's appends share a millisecond by the dozen. */
    private static volatile Millisecond lastMillisecond = new Millisecond(Long.MIN_VALUE, "");

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ID_PREFIX = ("evt_" + hex16(PROCESS_BITS)).getBytes(StandardCharsets.US_ASCII);

    private record Second(long epochSecond, String text) {
    }

    private record Millisecond(long epochMillis, String text) {
    }

    private EventCodec() {
    }

    /** RFC 3339 UTC with always three fraction digits ({@code Instant.toString()} drops them when they are zero). */
    static String time(long epochMillis) {
        Millisecond last = lastMillisecond;
        if (last.epochMillis() == epochMillis) {
            return last.text();
        }
        String text = format(epochMillis);
        lastMillisecond = new Millisecond(epochMillis, text);
        return text;
    }

    private static String format(long epochMillis) {
        long epochSecond = Math.floorDiv(epochMillis, 1000);
        int millis = (int) Math.floorMod(epochMillis, 1000);
        Second second = lastSecond;
        if (second.epochSecond() != epochSecond) {
            LocalDateTime t = LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC);
            StringBuilder text = new StringBuilder(20);
            pad(text, t.getYear(), 4).append('-');
            pad(text, t.getMonthValue(), 2).append('-');
            pad(text, t.getDayOfMonth(), 2).append('T');
            pad(text, t.getHour(), 2).append(':');
            pad(text, t.getMinute(), 2).append(':');
            pad(text, t.getSecond(), 2).append('.');
            second = new Second(epochSecond, text.toString());
            lastSecond = second;
        }
        StringBuilder text = new StringBuilder(24).append(second.text());
        return pad(text, millis, 3).append('Z').toString();
    }

    private static StringBuilder pad(StringBuilder to, int value, int digits) {
        String s = Integer.toString(value);
        for (int i = s.length(); i < digits; i++) {
            to.append('0');
        }
        return to.append(s);
    }

    /** {@code evt_} and 32 hex digits, as always. */
    static String newEventId() {
        // Written into one array (the process's half is ready-made): one of these per event, on the writer.
        byte[] id = Arrays.copyOf(ID_PREFIX, ID_PREFIX.length + 16);
        long value = mix(COUNTER.getAndIncrement());
        for (int i = id.length - 1; i >= ID_PREFIX.length; i--) {
            id[i] = HEX[(int) (value & 0xf)];
            value >>>= 4;
        }
        return new String(id, StandardCharsets.ISO_8859_1);
    }

    /** SplitMix64's finalizer: a bijection on 64 bits, so distinct counts stay distinct but do not look counted. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private static String hex16(long value) {
        String hex = Long.toHexString(value);
        return "0".repeat(16 - hex.length()) + hex;
    }
}
