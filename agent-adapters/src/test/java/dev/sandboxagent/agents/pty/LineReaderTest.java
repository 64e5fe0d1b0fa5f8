package dev.sandboxagent.agents.pty;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineReaderTest {

    @Test
    void aMegabyteLineCrLfAndAnUnterminatedTailInSmallReads() {
        List<String> lines = new ArrayList<>();
        int[] ends = {0};
        LineReader reader = new LineReader(lines::add, () -> ends[0]++, LineReader.DEFAULT_MAX_LINE_BYTES);
        byte[] all = ("y".repeat(1_000_000) + "\r\nsecond\n\nlast").getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < all.length; i += 4096) {
            byte[] chunk = Arrays.copyOfRange(all, i, Math.min(all.length, i + 4096));
            reader.accept(chunk, chunk.length);
        }
        assertThat(lines).hasSize(3);
        reader.end();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).hasSize(1_000_000).doesNotContain("\r");
        assertThat(lines.subList(1, 4)).containsExactly("second", "", "last");
        assertThat(ends[0]).isEqualTo(1);
    }

    @Test
    void multiByteCharactersSplitAcrossReadsStayWhole() {
        List<String> lines = new ArrayList<>();
        LineReader reader = new LineReader(lines::add);
        byte[] bytes = "héllo ✓ 😀\n".getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
            reader.accept(new byte[] {b}, 1);
        }
        assertThat(lines).containsExactly("héllo ✓ 😀");
    }

    @Test
    void onlyOneTrailingCarriageReturnIsDroppedAndInnerOnesStay() {
        List<String> lines = new ArrayList<>();
        LineReader reader = new LineReader(lines::add);
        byte[] bytes = "a\rb\r\r\nc\n".getBytes(StandardCharsets.UTF_8);
        reader.accept(bytes, bytes.length);
        assertThat(lines).containsExactly("a\rb\r", "c");
    }

    @Test
    void garbageBytesBecomeReplacementCharactersInsteadOfFailing() {
        List<String> lines = new ArrayList<>();
        LineReader reader = new LineReader(lines::add);
        byte[] bytes = {'o', 'k', (byte) 0xff, (byte) 0xc3, '\n'};
        reader.accept(bytes, bytes.length);
        assertThat(lines).containsExactly("ok\uFFFD\uFFFD");
    }

    @Test
    void aLineBeyondTheLimitComesInPiecesInsteadOfGrowingWithoutBound() {
        List<String> lines = new ArrayList<>();
        LineReader reader = new LineReader(lines::add, () -> { }, 10);
        byte[] bytes = "0123456789abcdefghij0123\nok\n".getBytes(StandardCharsets.UTF_8);
        reader.accept(bytes, bytes.length);
        assertThat(lines).containsExactly("0123456789", "abcdefghij", "0123", "ok");
    }
}
