package dev.sandboxagent.server.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Reads a request body as one JSON object, refusing what a lenient parser would quietly let through: bytes that are
 * not UTF-8, a key given twice (which value would win is a guess), lone surrogates (they cannot be stored and came
 * back as '?'), and nesting no request of this API needs. Error details say what and where in plain words; they
 * never quote the body (it may hold a secret) nor name the parser's internals.
 *
 * <p>One pass: the checks and the building of the object are the same walk over the parser's tokens (a message
 * body used to be parsed again by {@code new JsonObject(String)} after the checks).
 */
final class StrictJson {
    /** No request of the API nests deeper than 4; 32 leaves room and keeps hostile bodies cheap. */
    static final int MAX_DEPTH = 32;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build();

    private StrictJson() {
    }

    /**
     * @param knownKeys member names that may be named in an error (those the API document defines); any other key
     *                  is described by position only, since it could be anything the client typed
     */
    static JsonObject object(byte[] body, Set<String> knownKeys) {
        String text = utf8(body);
        Map<String, Object> object;
        try (JsonParser parser = FACTORY.createParser(text)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw notJson("it is empty");
            }
            if (first != JsonToken.START_OBJECT) {
                throw ApiException.invalid("the body is not a JSON object: it is " + kind(first));
            }
            object = readObject(parser, knownKeys);
            if (parser.nextToken() != null) {
                throw notJson("more follows the object" + at(parser.currentLocation()));
            }
        } catch (StreamConstraintsException e) {
            throw notJson(e.getMessage() != null && e.getMessage().contains("nesting")
                    ? "it nests deeper than " + MAX_DEPTH + " levels" : "a number or string in it is too long");
        } catch (JsonEOFException e) {
            throw notJson("it ends before its JSON is complete" + at(e.getLocation()));
        } catch (JsonProcessingException e) {
            throw notJson(reason(e.getOriginalMessage(), knownKeys) + at(e.getLocation()));
        } catch (IOException e) {
            throw notJson("it could not be read");
        }
        return new JsonObject(object);
    }

    /**
     * Reads the object whose START_OBJECT was just read into what {@code new JsonObject(String)} would hold (maps,
     * lists, String, Integer/Long/BigInteger, Double, Boolean, null), checking every key and string for lone
     * surrogates. Depth is bounded by the factory's nesting limit, so the recursion is too.
     */
    private static Map<String, Object> readObject(JsonParser parser, Set<String> knownKeys) throws IOException {
        Map<String, Object> object = new LinkedHashMap<>();
        while (true) {
            JsonToken token = next(parser);
            if (token == JsonToken.END_OBJECT) {
                return object;
            }
            // The parser only gives a FIELD_NAME here (anything else is a syntax error it reports).
            String key = checked(parser, token, knownKeys);
            object.put(key, readValue(parser, next(parser), knownKeys));
        }
    }

    private static List<Object> readArray(JsonParser parser, Set<String> knownKeys) throws IOException {
        List<Object> array = new ArrayList<>();
        while (true) {
            JsonToken token = next(parser);
            if (token == JsonToken.END_ARRAY) {
                return array;
            }
            array.add(readValue(parser, token, knownKeys));
        }
    }

    private static Object readValue(JsonParser parser, JsonToken token, Set<String> knownKeys) throws IOException {
        return switch (token) {
            case START_OBJECT -> readObject(parser, knownKeys);
            case START_ARRAY -> readArray(parser, knownKeys);
            case VALUE_STRING -> checked(parser, token, knownKeys);
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> parser.getNumberValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw new JsonEOFException(parser, token, "unexpected token");
        };
    }

    private static JsonToken next(JsonParser parser) throws IOException {
        JsonToken token = parser.nextToken();
        if (token == null) {
            throw new JsonEOFException(parser, null, "end of input");
        }
        return token;
    }

    /** The key's or string's text, refused when it holds a lone surrogate. */
    private static String checked(JsonParser parser, JsonToken token, Set<String> knownKeys) throws IOException {
        String value = parser.getText();
        if (hasLoneSurrogate(value)) {
            throw ApiException.invalid("the body has invalid Unicode (a lone surrogate \\u"
                    + String.format("%04x", (int) value.charAt(loneSurrogateAt(value))) + ") in "
                    + (token == JsonToken.FIELD_NAME ? "a key" : "the value of " + member(parser,
                    knownKeys)) + at(parser.currentTokenLocation()));
        }
        return value;
    }

    private static String member(JsonParser parser, Set<String> knownKeys) {
        String name = parser.getParsingContext().getCurrentName();
        return name != null && knownKeys.contains(name) ? "\"" + name + "\"" : "a member";
    }

    private static boolean hasLoneSurrogate(String s) {
        return loneSurrogateAt(s) >= 0;
    }

    private static int loneSurrogateAt(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    /** Strict UTF-8: malformed bytes, overlong forms and encoded surrogates are refused, not replaced. */
    private static String utf8(byte[] body) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(body);
        try {
            return decoder.decode(in).toString();
        } catch (CharacterCodingException e) {
            throw ApiException.invalid("the body is not valid UTF-8 (a bad byte sequence near byte "
                    + in.position() + ")");
        }
    }

    /** The parser's complaint in plain words, by its kind; never its text, which may quote the body. */
    private static String reason(String parserMessage, Set<String> knownKeys) {
        String m = parserMessage == null ? "" : parserMessage;
        if (m.startsWith("Duplicate field")) {
            int open = m.indexOf('\'');
            int close = m.lastIndexOf('\'');
            String key = open >= 0 && close > open ? m.substring(open + 1, close) : null;
            return "a key appears twice in the same object"
                    + (key != null && knownKeys.contains(key) ? " (\"" + key + "\")" : "");
        }
        if (m.startsWith("Illegal unquoted character")) {
            return "a control character inside a string must be escaped";
        }
        if (m.startsWith("Unexpected end-of-input")) {
            return "it ends before its JSON is complete";
        }
        if (m.startsWith("Unexpected close marker")) {
            return "a closing bracket does not match its opening one";
        }
        if (m.startsWith("Invalid numeric value") || m.startsWith("Leading zeroes") || m.contains("number")) {
            return "a number is not written the JSON way";
        }
        if (m.startsWith("Unrecognized character escape") || m.contains("escape")) {
            return "a string has an invalid escape sequence";
        }
        if (m.startsWith("Unexpected character") && m.contains("double-quote to start field name")) {
            return "a key is not in double quotes";
        }
        return "unexpected text";
    }

    private static String at(JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return "";
        }
        return " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    private static String kind(JsonToken token) {
        return switch (token) {
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> "not an object";
        };
    }

    private static ApiException notJson(String why) {
        return ApiException.invalid("the body is not a JSON object: " + why);
    }
}
