package dev.sandboxagent.cli.output;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A list's ages, counted in epoch milliseconds, in whole units truncated as {@link Duration} counts them. */
class TextTest {
    private static final long NOW = 1_764_630_000_000L;

    @Test
    void agesInWholeTruncatedUnits() {
        assertThat(Text.age(NOW + 5_000, NOW)).isEqualTo("just now"); // a clock behind the server's
        assertThat(Text.age(NOW, NOW)).isEqualTo("just now");
        assertThat(Text.age(NOW - 999, NOW)).isEqualTo("just now");
        assertThat(Text.age(NOW - 1_000, NOW)).isEqualTo("1s ago");
        assertThat(Text.age(NOW - 59_999, NOW)).isEqualTo("59s ago");
        assertThat(Text.age(NOW - 60_000, NOW)).isEqualTo("1m ago");
        assertThat(Text.age(NOW - 3_599_999, NOW)).isEqualTo("59m ago");
        assertThat(Text.age(NOW - 3_600_000, NOW)).isEqualTo("1h ago");
        assertThat(Text.age(NOW - 86_399_999, NOW)).isEqualTo("23h ago");
        assertThat(Text.age(NOW - 86_400_000, NOW)).isEqualTo("1d ago");
        assertThat(Text.age(NOW - 400 * 86_400_000L - 1, NOW)).isEqualTo("400d ago");
    }

    @Test
    void anInstantClockGivesTheSameAges() {
        Instant now = Instant.ofEpochMilli(NOW).plusNanos(999_999); // sub-millisecond precision is truncated
        for (long ago : new long[] {-1, 0, 999, 1_000, 59_999, 60_000, 3_600_000, 86_400_000}) {
            Duration age = Duration.between(Instant.ofEpochMilli(NOW - ago), now);
            String expected = age.isNegative() || age.toSeconds() < 1 ? "just now"
                    : age.toMinutes() < 1 ? age.toSeconds() + "s ago"
                    : age.toHours() < 1 ? age.toMinutes() + "m ago"
                    : age.toDays() < 1 ? age.toHours() + "h ago" : age.toDays() + "d ago";
            assertThat(Text.age(NOW - ago, now)).as("%d ms ago", ago).isEqualTo(expected);
        }
    }
}
