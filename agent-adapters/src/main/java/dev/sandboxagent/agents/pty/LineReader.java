package dev.sandboxagent.agents.pty;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Turns terminal output into lines for line-protocol adapters: splits on {@code \n}, drops one trailing {@code \r}
 * (programs that think they talk to a terminal end lines with CRLF), and decodes UTF-8 per whole line, so a
 * character split across two reads stays intact (malformed bytes become U+FFFD instead of failing). Lines may be
 * of any length up to {@code maxLineBytes}; a longer one is delivered in pieces of that size rather than growing
 * memory without bound. A last line without {@code \n} is delivered at {@link #end()}.
 *
 * <p>An optional {@code afterLines} runs after the lines of each read (and after the last line at the end): a
 * reader that handles a read's lines together (one store append for the events of one read) knows when they end.
 *
 * <p>Not thread-safe: one reader thread feeds it.
 */
public final class LineReader implements TerminalOutput {
    /** Large enough for any sane protocol line (a tool result holding a whole file), small enough to survive. */
    public static final int DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

    private final Consumer<String> onLine;
    private final Runnable onEnd;
    private final Runnable afterLines;
    private final int maxLineBytes;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream(256);

    public LineReader(Consumer<String> onLine) {
        this(onLine, () -> {
        }, DEFAULT_MAX_LINE_BYTES);
    }

    /** @param afterLines runs after the lines of each read, and after the last line at the end */
    public LineReader(Consumer<String> onLine, Runnable afterLines) {
        this(onLine, () -> {
        }, afterLines, DEFAULT_MAX_LINE_BYTES);
    }

    /**
     * @param onLine       gets each line, without its line end
     * @param onEnd        runs once after the last line
     * @param maxLineBytes longest line delivered whole
     */
    public LineReader(Consumer<String> onLine, Runnable onEnd, int maxLineBytes) {
        this(onLine, onEnd, () -> {
        }, maxLineBytes);
    }

    private LineReader(Consumer<String> onLine, Runnable onEnd, Runnable afterLines, int maxLineBytes) {
        if (maxLineBytes < 1) {
            throw new IllegalArgumentException("maxLineBytes must be positive");
        }
        this.onLine = Objects.requireNonNull(onLine, "onLine");
        this.onEnd = Objects.requireNonNull(onEnd, "onEnd");
        this.afterLines = Objects.requireNonNull(afterLines, "afterLines");
        this.maxLineBytes = maxLineBytes;
    }

    @Override
    public void accept(byte[] buffer, int length) {
        int start = 0;
        for (int i = 0; i < length; i++) {
            if (buffer[i] == '\n') {
                append(buffer, start, i - start);
                emit();
                start = i + 1;
            }
        }
        append(buffer, start, length - start);
        afterLines.run();
    }

    @Override
    public void end() {
        if (pending.size() > 0) {
            emit();
        }
        afterLines.run();
        onEnd.run();
    }

    private void append(byte[] buffer, int offset, int length) {
        while (length > 0) {
            int room = maxLineBytes - pending.size();
            int n = Math.min(room, length);
            pending.write(buffer, offset, n);
            offset += n;
            length -= n;
            if (pending.size() >= maxLineBytes) {
                emit();
            }
        }
    }

    private void emit() {
        byte[] bytes = pending.toByteArray();
        pending.reset();
        int length = bytes.length;
        if (length > 0 && bytes[length - 1] == '\r') {
            length--;
        }
        onLine.accept(new String(bytes, 0, length, StandardCharsets.UTF_8));
    }
}
