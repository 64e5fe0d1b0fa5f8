package dev.sandboxagent.client;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A JSON document read into plain Java values, without Jackson: objects as {@link LinkedHashMap}s (member order
 * kept, a repeated name's last value wins, as Jackson's tree has it), arrays as {@link ArrayList}s, strings, whole
 * numbers as {@link Long} (or {@link BigInteger} past a long), fractions as {@link Double}, {@link Boolean}s and
 * {@code null}.
 *
 * <p>Why: {@code api sessions list} and {@code get} are the one-shot commands people and scripts run most, and
 * jackson-core's parser factory and databind's tree nodes were ~90 classes of their start-up, loaded to read a few
 * flat records (docs/benchmarks.md "CLI round trip, session 11"). {@link PlainRecords} reads the records those
 * commands receive from this tree; every other answer still goes through Jackson. The grammar is RFC 8259's, as
 * strict as jackson-core's defaults: no leading zeros, no unescaped control characters in strings, no comments, no
 * trailing commas; a document nested deeper than {@value #MAX_DEPTH} levels and a number longer than
 * {@value #MAX_NUMBER_LENGTH} characters are refused, as jackson-core's default limits refuse them; and, unlike
 * {@code ObjectMapper.readTree}, so is text after the document. ClientJsonTest holds the trees to the ObjectMapper's
 * and the errors to messages that say where.
 */
final class PlainJson {
    /** jackson-core's default StreamReadConstraints nesting limit (2.15+). */
    static final int MAX_DEPTH = 1000;
    /** jackson-core's default limit of a number's length (2.15+): BigInteger's parsing is quadratic past it. */
    static final int MAX_NUMBER_LENGTH = 1000;

    private final String text;
    private int at;
    private int depth;

    private PlainJson(String text) {
        this.text = text;
    }

    /**
     * The document's value; null for JSON null.
     *
     * @throws Malformed naming the position (line, column, and the path to the value being read)
     */
    static Object parse(String text) throws Malformed {
        PlainJson reader = new PlainJson(text);
        reader.skipSpace();
        Object value = reader.value(Where.ROOT);
        reader.skipSpace();
        if (reader.at < text.length()) {
            throw reader.malformed("unexpected " + reader.describeHere() + " after the end of the document",
                    Where.ROOT);
        }
        return value;
    }

    private Object value(Where path) throws Malformed {
        if (at >= text.length()) {
            throw malformed("unexpected end of input, expected a value", path);
        }
        char c = text.charAt(at);
        switch (c) {
            case '{':
                return object(path);
            case '[':
                return array(path);
            case '"':
                return string(path);
            case 't':
                literal("true", path);
                return Boolean.TRUE;
            case 'f':
                literal("false", path);
                return Boolean.FALSE;
            case 'n':
                literal("null", path);
                return null;
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return number(path);
                }
                throw malformed("unexpected " + describeHere() + ", expected a value (an object, an array, a string,"
                        + " a number, true, false or null)", path);
        }
    }

    private Map<String, Object> object(Where path) throws Malformed {
        enter(path);
        at++; // {
        Map<String, Object> members = new LinkedHashMap<>();
        skipSpace();
        if (at < text.length() && text.charAt(at) == '}') {
            at++;
            depth--;
            return members;
        }
        while (true) {
            if (at >= text.length() || text.charAt(at) != '"') {
                throw malformed(at >= text.length() ? "unexpected end of input, expected a member name"
                        : "unexpected " + describeHere() + ", expected a member name in double quotes", path);
            }
            String name = string(path);
            skipSpace();
            if (at >= text.length() || text.charAt(at) != ':') {
                throw malformed("unexpected " + describeHere() + " after the member name \"" + name
                        + "\", expected ':'", path);
            }
            at++;
            skipSpace();
            members.put(name, value(new Where(path, name, -1)));
            skipSpace();
            if (at < text.length() && text.charAt(at) == ',') {
                at++;
                skipSpace();
                continue;
            }
            expect('}', "after a member of an object (',' or '}' expected)", path);
            depth--;
            return members;
        }
    }

    private List<Object> array(Where path) throws Malformed {
        enter(path);
        at++; // [
        List<Object> items = new ArrayList<>();
        skipSpace();
        if (at < text.length() && text.charAt(at) == ']') {
            at++;
            depth--;
            return items;
        }
        while (true) {
            items.add(value(new Where(path, null, items.size())));
            skipSpace();
            if (at < text.length() && text.charAt(at) == ',') {
                at++;
                skipSpace();
                continue;
            }
            expect(']', "after an element of an array (',' or ']' expected)", path);
            depth--;
            return items;
        }
    }

    private void enter(Where path) throws Malformed {
        if (++depth > MAX_DEPTH) {
            throw malformed("the document is nested deeper than " + MAX_DEPTH + " levels", path);
        }
    }

    private String string(Where path) throws Malformed {
        int start = ++at; // after the opening quote
        // The common case, a string without escapes, is one substring.
        while (at < text.length()) {
            char c = text.charAt(at);
            if (c == '"') {
                return text.substring(start, at++);
            }
            if (c == '\\') {
                break;
            }
            if (c < 0x20) {
                throw malformed("unescaped control character " + codeOf(c) + " in a string", path);
            }
            at++;
        }
        StringBuilder out = new StringBuilder(at - start + 16).append(text, start, at);
        while (at < text.length()) {
            char c = text.charAt(at++);
            if (c == '"') {
                return out.toString();
            }
            if (c < 0x20) {
                at--;
                throw malformed("unescaped control character " + codeOf(c) + " in a string", path);
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (at >= text.length()) {
                break;
            }
            char escaped = text.charAt(at++);
            switch (escaped) {
                case '"', '\\', '/' -> out.append(escaped);
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' -> out.append(unicodeEscape(path)); // a surrogate pair is two escapes, two chars
                default -> {
                    at--;
                    throw malformed("unrecognised escape '\\" + escaped + "' in a string", path);
                }
            }
        }
        throw malformed("unexpected end of input in a string", path);
    }

    private char unicodeEscape(Where path) throws Malformed {
        if (at + 4 > text.length()) {
            throw malformed("unexpected end of input in a \\u escape", path);
        }
        int value = 0;
        for (int i = 0; i < 4; i++) {
            int digit = Character.digit(text.charAt(at), 16);
            if (digit < 0) {
                throw malformed("expected a hex digit in a \\u escape, got " + describeHere(), path);
            }
            value = value * 16 + digit;
            at++;
        }
        return (char) value;
    }

    private Object number(Where path) throws Malformed {
        int start = at;
        if (text.charAt(at) == '-') {
            at++;
        }
        int digitsStart = at;
        while (at < text.length() && isDigit(text.charAt(at))) {
            at++;
        }
        int digits = at - digitsStart;
        if (digits == 0) {
            throw malformed(at >= text.length() ? "unexpected end of input in a number"
                    : "unexpected " + describeHere() + " in a number, expected a digit", path);
        }
        if (digits > 1 && text.charAt(digitsStart) == '0') {
            at = digitsStart;
            throw malformed("a number with a leading zero", path);
        }
        boolean whole = true;
        if (at < text.length() && text.charAt(at) == '.') {
            whole = false;
            at++;
            fractionDigits(path);
        }
        if (at < text.length() && (text.charAt(at) == 'e' || text.charAt(at) == 'E')) {
            whole = false;
            at++;
            if (at < text.length() && (text.charAt(at) == '+' || text.charAt(at) == '-')) {
                at++;
            }
            fractionDigits(path);
        }
        if (at - start > MAX_NUMBER_LENGTH) {
            at = start;
            throw malformed("a number longer than " + MAX_NUMBER_LENGTH + " characters", path);
        }
        if (!whole) {
            return Double.parseDouble(text.substring(start, at));
        }
        if (digits <= 18) { // always fits a long: read here, no parsing library
            long value = 0;
            for (int i = digitsStart; i < at; i++) {
                value = value * 10 + (text.charAt(i) - '0');
            }
            return text.charAt(start) == '-' ? -value : value;
        }
        BigInteger big = new BigInteger(text.substring(start, at));
        return big.bitLength() < 64 ? (Object) big.longValue() : big;
    }

    private void fractionDigits(Where path) throws Malformed {
        int start = at;
        while (at < text.length() && isDigit(text.charAt(at))) {
            at++;
        }
        if (at == start) {
            throw malformed(at >= text.length() ? "unexpected end of input in a number"
                    : "unexpected " + describeHere() + " in a number, expected a digit", path);
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private void literal(String word, Where path) throws Malformed {
        if (!text.startsWith(word, at)) {
            throw malformed("unexpected " + describeHere() + ", expected a value (an object, an array, a string,"
                    + " a number, true, false or null)", path);
        }
        at += word.length();
    }

    private void expect(char c, String context, Where path) throws Malformed {
        if (at >= text.length() || text.charAt(at) != c) {
            throw malformed("unexpected " + describeHere() + " " + context, path);
        }
        at++;
    }

    private void skipSpace() {
        while (at < text.length()) {
            char c = text.charAt(at);
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return;
            }
            at++;
        }
    }

    /** The character at the current position, as a message shows it: {@code '<'}, or a code for an invisible one. */
    private String describeHere() {
        if (at >= text.length()) {
            return "end of input";
        }
        char c = text.charAt(at);
        return c < 0x20 || c == 0x7f ? "character " + codeOf(c) : "character '" + c + "'";
    }

    private static String codeOf(char c) {
        String hex = Integer.toHexString(c).toUpperCase(java.util.Locale.ROOT);
        return "U+" + "0000".substring(hex.length()) + hex;
    }

    private Malformed malformed(String problem, Where path) {
        int line = 1;
        int column = 1;
        for (int i = 0; i < at && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        return new Malformed(problem + " at " + path + " (line " + line + ", column " + column + ")");
    }

    /**
     * Where a value sits ({@code $.sessions[0].title}), built as a string only for a message: a list of sessions
     * reads hundreds of members, and concatenating each one's path would be wasted on a well-formed answer.
     */
    private static final class Where {
        static final Where ROOT = new Where(null, null, -1);

        private final Where parent;
        private final String name;
        private final int index;

        Where(Where parent, String name, int index) {
            this.parent = parent;
            this.name = name;
            this.index = index;
        }

        @Override
        public String toString() {
            if (parent == null) {
                return "$";
            }
            return name != null ? parent + "." + name : parent + "[" + index + "]";
        }
    }

    /** A document that is not JSON; the message says what and where (a path such as {@code $.sessions[0].title}). */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message);
        }

        Malformed(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
