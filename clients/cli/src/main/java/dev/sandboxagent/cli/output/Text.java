package dev.sandboxagent.cli.output;

import java.time.Duration;
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
        Duration age = Duration.between(Instant.ofEpochMilli(epochMillis), now);
        if (age.isNegative() || age.toSeconds() < 1) {
            return "just now";
        }
        if (age.toMinutes() < 1) {
            return age.toSeconds() + "s ago";
        }
        if (age.toHours() < 1) {
            return age.toMinutes() + "m ago";
        }
        if (age.toDays() < 1) {
            return age.toHours() + "h ago";
        }
        return age.toDays() + "d ago";
    }
}
