package dev.sandboxagent.agents.pty;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StderrCaptureTest {

    @Test
    void keepsTheFirstAndLastLinesAndCountsAll() {
        StderrCapture capture = new StderrCapture(3, 2);
        for (int i = 1; i <= 10; i++) {
            capture.add("line " + i);
        }
        assertThat(capture.head()).containsExactly("line 1", "line 2", "line 3");
        assertThat(capture.tail()).containsExactly("line 9", "line 10");
        assertThat(capture.total()).isEqualTo(10);
        assertThat(capture.truncated()).isTrue();
        assertThat(capture.toString()).isEqualTo("line 1\nline 2\nline 3\n... (5 lines left out)\nline 9\nline 10");
    }

    @Test
    void aShortStderrFitsInTheHeadAndALongLineIsCut() {
        StderrCapture capture = new StderrCapture(50, 50);
        capture.add("x".repeat(10_000));
        capture.add("fatal");
        assertThat(capture.head()).hasSize(2);
        assertThat(capture.head().get(0)).hasSize(StderrCapture.MAX_LINE_CHARS + 3).endsWith("...");
        assertThat(capture.tail()).isEmpty();
        assertThat(capture.truncated()).isFalse();
    }
}
