package dev.sandboxagent.agents.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The one way tests wait for something another thread or process does: poll until a condition holds or a deadline
 * passes, then fail saying what was awaited and the last value seen. Shared with the server's tests (test-jar).
 */
public final class Eventually {
    /** Generous: a loaded 2-core CI machine is slow, and a passing wait returns as soon as it holds. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(20);

    private Eventually() {
    }

    /** Polls {@code probe} until {@code condition} holds for its value, which it returns. */
    public static <T> T await(String what, Duration timeout, Supplier<T> probe, Predicate<? super T> condition) {
        return await(what, timeout, POLL, probe, condition);
    }

    /** As above, polling every {@code every} (a test that must see a short-lived state polls faster). */
    public static <T> T await(String what, Duration timeout, Duration every, Supplier<T> probe,
                              Predicate<? super T> condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T last = probe.get();
            if (condition.test(last)) {
                return last;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(what + ": not within " + timeout.toMillis() + " ms; last seen: " + last);
            }
            try {
                Thread.sleep(every.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(what + ": interrupted while waiting", e);
            }
        }
    }

    /** Polls until {@code condition} is true. */
    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        until(what, timeout, POLL, condition);
    }

    public static void until(String what, Duration timeout, Duration every, BooleanSupplier condition) {
        await(what, timeout, every, condition::getAsBoolean, Boolean::booleanValue);
    }

    /** As above, within {@link #DEFAULT_TIMEOUT}. */
    public static void until(String what, BooleanSupplier condition) {
        until(what, DEFAULT_TIMEOUT, condition);
    }
}
