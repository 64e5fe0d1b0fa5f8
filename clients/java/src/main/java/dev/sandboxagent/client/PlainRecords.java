package dev.sandboxagent.client;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The records of {@code api sessions list}'s and {@code get}'s answers, read by hand from a {@link PlainJson} tree,
 * so that the one-shot commands run most load no Jackson class at all: neither jackson-core's parser factory nor
 * databind's tree (~100 classes; docs/benchmarks.md "CLI round trip, session 11"). Kept apart from
 * {@link LightJson}, whose class initialiser builds a JsonFactory. The rules are LightJson's (members by component
 * name, unknown ones ignored, missing or null ones null, 0 or false, numbers given as strings accepted, any scalar
 * read as a string), and so are the messages ({@code $.sessions[0].eventCount: expected a number, got a string}):
 * ClientJsonTest holds both readers to the ObjectMapper and to each other.
 */
final class PlainRecords {
    private PlainRecords() {
    }

    /**
     * Whether {@link #decode} reads {@code type}: the answers of {@code api sessions list} and {@code get}.
     * Every other answer is parsed into Jackson's tree and read by {@link LightJson#decode}.
     */
    static boolean reads(Class<?> type) {
        return type == Wire.SessionList.class || type == SessionInfo.class;
    }

    /**
     * Reads a {@link PlainJson} tree as {@code type} (one of {@link #reads}'s), with the same results and the same
     * messages as {@link LightJson#decode} of the same document's Jackson tree.
     *
     * @throws IllegalArgumentException naming where the tree does not fit the type
     */
    static <T> T decode(Object tree, Class<T> type) {
        if (tree == null) {
            return null;
        }
        if (type == Wire.SessionList.class) {
            return type.cast(plainSessionList(plainObject(tree, "$"), "$"));
        }
        if (type == SessionInfo.class) {
            return type.cast(plainSessionInfo(plainObject(tree, "$"), "$"));
        }
        throw new IllegalArgumentException("cannot read " + type.getName() + " from a plain tree");
    }

    private static Wire.SessionList plainSessionList(Map<?, ?> object, String where) {
        Object sessions = object.get("sessions");
        if (sessions == null) {
            return new Wire.SessionList(null);
        }
        if (!(sessions instanceof List<?> array)) {
            throw plainMisfit(where + ".sessions", "an array", sessions);
        }
        List<SessionInfo> list = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            Object item = array.get(i);
            if (item == null) {
                list.add(null);
                continue;
            }
            String at = where + ".sessions[" + i + "]";
            list.add(plainSessionInfo(plainObject(item, at), at));
        }
        return new Wire.SessionList(list);
    }

    /** In component order, as LightJson reads the same record: the first misfit is the one reported. */
    private static SessionInfo plainSessionInfo(Map<?, ?> o, String where) {
        return new SessionInfo(plainText(o, "sessionId", where), plainText(o, "agent", where),
                plainText(o, "agentMode", where), plainText(o, "permissionMode", where), plainText(o, "model", where),
                plainText(o, "variant", where), plainText(o, "directory", where), plainText(o, "title", where),
                plainText(o, "nativeSessionId", where), plainFlag(o, "ended", where),
                plainWhole(o, "eventCount", where), plainWhole(o, "createdAt", where),
                plainWhole(o, "updatedAt", where), plainText(o, "state", where), plainText(o, "runningTurnId", where));
    }

    private static Map<?, ?> plainObject(Object value, String where) {
        if (value instanceof Map<?, ?> object) {
            return object;
        }
        throw plainMisfit(where, "an object", value);
    }

    /** As LightJson reads a String: any scalar as its text (a number or a boolean too, as the mapper does). */
    private static String plainText(Map<?, ?> object, String name, String where) {
        Object value = object.get(name);
        if (value == null || value instanceof String) {
            return (String) value;
        }
        if (value instanceof Double fraction) {
            return Double.toString(fraction); // as Jackson's DoubleNode.asText()
        }
        if (value instanceof Number || value instanceof Boolean) {
            return value.toString();
        }
        throw plainMisfit(where + "." + name, "a string", value);
    }

    private static boolean plainFlag(Map<?, ?> object, String name, String where) {
        Object value = object.get(name);
        if (value == null) {
            return false;
        }
        if (value instanceof Boolean flag) {
            return flag;
        }
        throw plainMisfit(where + "." + name, "true or false", value);
    }

    /** As LightJson reads a long: a number (a fraction truncated, past 64 bits wrapped) or a string of one. */
    private static long plainWhole(Map<?, ?> object, String name, String where) {
        Object value = object.get(name);
        if (value == null) {
            return 0L;
        }
        if (value instanceof Number number) {
            return number.longValue();
        }
        if (value instanceof String text) {
            try {
                return new BigDecimal(text.strip()).longValue(); // the mapper accepts "12" for a number too
            } catch (NumberFormatException e) {
                throw plainMisfit(where + "." + name, "a number", value);
            }
        }
        throw plainMisfit(where + "." + name, "a number", value);
    }

    private static IllegalArgumentException plainMisfit(String where, String expected, Object actual) {
        String kind = actual instanceof Map ? "an object" : actual instanceof List ? "an array"
                : actual instanceof String ? "a string" : actual instanceof Number ? "a number" : "a boolean";
        return new IllegalArgumentException(where + ": expected " + expected + ", got " + kind);
    }
}
