package dev.sandboxagent.store.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The writer's hand-made times are the RFC 3339 text a formatter gives, and its event ids do not repeat. */
class EventIdsAndTimesTest {
    private static final DateTimeFormatter RFC_3339_MILLIS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    @Test
    void timesAreWhatTheFormatterWrites() {
        SplittableRandom random = new SplittableRandom(12);
        long[] fixed = {0, 999, 1000, 1_764_547_200_000L, 1_764_547_200_001L, 1_764_547_199_999L,
                951_782_400_000L /* 2000-02-29 */, 253_402_300_799_999L /* 9999-12-31T23:59:59.999 */};
        for (long millis : fixed) {
            assertThat(EventCodec.time(millis)).isEqualTo(RFC_3339_MILLIS.format(Instant.ofEpochMilli(millis)));
        }
        long now = System.currentTimeMillis();
        for (int i = 0; i < 20_000; i++) {
            // Runs of one second (the cached part) and jumps anywhere.
            long millis = i % 100 == 0 ? random.nextLong(0, 253_402_300_799_999L) : now + i / 3;
            assertThat(EventCodec.time(millis)).isEqualTo(RFC_3339_MILLIS.format(Instant.ofEpochMilli(millis)));
        }
    }

    @Test
    void eventIdsKeepTheirFormAndNeverRepeat() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 200_000; i++) {
            String id = EventCodec.newEventId();
            assertThat(id).matches("evt_[0-9a-f]{32}");
            assertThat(seen.add(id)).as("id %s repeated", id).isTrue();
        }
    }
}
