package dev.sandboxagent.server.warm;

import java.time.Duration;
import java.util.Objects;

/**
 * When and how fast a warm process is started again. The delay doubles after each crash, from {@code firstDelay}
 * up to {@code maxDelay}, and goes back to {@code firstDelay} once a run has stayed up for {@code stableAfter}: a
 * process that crashes once a day should not wait as long as one that crash-loops.
 */
public record RestartPolicy(When when, Duration firstDelay, Duration maxDelay, Duration stableAfter) {

    public enum When {
        ALWAYS, ON_FAILURE, NEVER
    }

    public RestartPolicy {
        Objects.requireNonNull(when, "when");
        if (firstDelay.isNegative() || maxDelay.compareTo(firstDelay) < 0 || stableAfter.isNegative()) {
            throw new IllegalArgumentException("restart delays must satisfy 0 <= first <= max, stableAfter >= 0");
        }
    }

    /** Always restart: 1 s doubling to 30 s, reset after a minute up. */
    public static RestartPolicy always() {
        return new RestartPolicy(When.ALWAYS, Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofMinutes(1));
    }

    public static RestartPolicy never() {
        return new RestartPolicy(When.NEVER, Duration.ZERO, Duration.ZERO, Duration.ZERO);
    }

    boolean restartsAfter(int exitCode) {
        return when == When.ALWAYS || (when == When.ON_FAILURE && exitCode != 0);
    }

    /** The delay after {@code previous} (null for the first crash since the last reset). */
    Duration next(Duration previous) {
        if (previous == null) {
            return firstDelay;
        }
        Duration doubled = previous.isZero() ? Duration.ofMillis(1) : previous.multipliedBy(2);
        return doubled.compareTo(maxDelay) > 0 ? maxDelay : doubled;
    }
}
