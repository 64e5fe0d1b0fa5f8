package dev.sandboxagent.agents.mock;

/**
 * The escaping of text fields between the adapter and the mock agent. A text field is the rest of a protocol line,
 * so only what would end or corrupt a line needs escaping: line feed, carriage return (the terminal side drops a
 * trailing one), NUL (bash cannot hold it) and {@code %} itself. Everything else, quotes, backslashes, tabs,
 * {@code $(...)}, any UTF-8, passes untouched, so the mock never needs to know about it.
 */
final class MockText {
    private MockText() {
    }

    static String encode(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            String escape = switch (text.charAt(i)) {
                case '%' -> "%25";
                case '\n' -> "%0A";
                case '\r' -> "%0D";
                case '\0' -> "%00";
                default -> null;
            };
            if (escape != null && out == null) {
                out = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (out != null) {
                if (escape != null) {
                    out.append(escape);
                } else {
                    out.append(text.charAt(i));
                }
            }
        }
        return out == null ? text : out.toString();
    }

    /** Undoes {@link #encode}; a {@code %} that starts no known escape stays as it is. */
    static String decode(String text) {
        int at = text.indexOf('%');
        if (at < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length()).append(text, 0, at);
        for (int i = at; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%' && i + 2 < text.length()) {
                String code = text.substring(i + 1, i + 3);
                Character decoded = switch (code) {
                    case "25" -> '%';
                    case "0A" -> '\n';
                    case "0D" -> '\r';
                    case "00" -> '\0';
                    default -> null;
                };
                if (decoded != null) {
                    out.append(decoded.charValue());
                    i += 2;
                    continue;
                }
            }
            out.append(c);
        }
        return out.toString();
    }
}
