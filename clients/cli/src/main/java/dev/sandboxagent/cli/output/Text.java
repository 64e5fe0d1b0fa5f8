package dev.sandboxagent.cli.output;

import java.time.Instant;

/** Small text helpers for human output. */
public final class Text {
    private Text() {
    }

    /**
     * A string as a JSON-style quoted literal, so that whitespace and control characters in a streamed delta stay
     * visible ({@code "hello\n"}).
     */
    public static String quote(String value) {
        StringBuilder out = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** Newlines and tabs as spaces, for table cells. */
    public static String oneLine(String value) {
        return value.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ').replace('\t', ' ');
    }

    /** Continuation lines indented, so that a multi-line message still reads as one entry. */
    public static String indentContinuation(String value, String indent) {
        return value.replace("\r\n", "\n").replace("\n", "\n" + indent);
    }

    /** "12s ago", "5m ago", "3h ago", "2d ago": enough to tell sessions apart in a list. */
    public static String age(long epochMillis, Instant now) {
        return age(epochMillis, now.toEpochMilli());
    }

    /**
     * The same, with the clock in epoch milliseconds: a list needs no java.time (Instant and its temporal fields are
     * a dozen classes loaded at run time, docs/benchmarks.md "CLI round trip, session 10"). Whole units, truncated,
     * as {@code Duration}'s toSeconds/toMinutes/toHours/toDays count them.
     */
    public static String age(long epochMillis, long nowMillis) {
        long millis = nowMillis - epochMillis;
        if (millis < 1000) {
            return "just now";
        }
        long seconds = millis / 1000;
        if (seconds < 60) {
            return seconds + "s ago";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m ago";
        }
        if (seconds < 86400) {
            return seconds / 3600 + "h ago";
        }
        return seconds / 86400 + "d ago";
    }
}
