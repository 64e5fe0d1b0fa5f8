package dev.sandboxagent.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SseDigitsTest {
    /** A frame's {@code id:} is the sequence in decimal, written into the stream's one array, frame after frame. */
    @Test
    void sequencesAreWrittenAsTheirDecimalDigitsIntoOneReusedArray() {
        byte[] into = new byte[19];
        for (long sequence : new long[] {1, 9, 10, 11, 99, 100, 7, 65_536, 1_000_000_007L, 42, Long.MAX_VALUE, 3}) {
            int start = SseStream.writeDigits(sequence, into);
            assertThat(new String(Arrays.copyOfRange(into, start, into.length), StandardCharsets.US_ASCII))
                    .isEqualTo(Long.toString(sequence));
        }
    }
}
