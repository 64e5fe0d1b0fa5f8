package dev.sandboxagent.server.http;

import java.text.MessageFormat;
import java.util.ResourceBundle;

/**
 * Loggers whose messages are made safe for a terminal and a log file: control characters (an escape sequence that
 * recolours or clears the operator's terminal, a newline that forges a log line), C1 controls, bidirectional
 * overrides and lone surrogates are written as {@code \\uXXXX}. Request fields (a model name, an agent's error that
 * quotes one) reach messages, so every logger of the server that may log them is one of these.
 */
public final class SafeLog {
    private SafeLog() {
    }

    public static System.Logger logger(Class<?> owner) {
        return new Escaping(System.getLogger(owner.getName()));
    }

    /** The text with everything a terminal would interpret escaped; printable text is left as it is. */
    public static String escape(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1));
            if (pair) {
                if (out != null) {
                    out.append(c).append(text.charAt(i + 1));
                }
                i++;
                continue;
            }
            if (needsEscape(c)) {
                if (out == null) {
                    out = new StringBuilder(text.length() + 16).append(text, 0, i);
                }
                out.append(String.format("\\u%04x", (int) c));
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? text : out.toString();
    }

    private static boolean needsEscape(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || Character.isSurrogate(c)
                || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x2028 || c == 0x2029;
    }

    private record Escaping(System.Logger delegate) implements System.Logger {
        @Override
        public String getName() {
            return delegate.getName();
        }

        @Override
        public boolean isLoggable(Level level) {
            return delegate.isLoggable(level);
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            if (isLoggable(level)) {
                delegate.log(level, bundle, escape(msg), thrown);
            }
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            if (isLoggable(level)) {
                String text = params == null || params.length == 0 ? format : MessageFormat.format(format, params);
                delegate.log(level, bundle, escape(text), (Object[]) null);
            }
        }
    }
}
