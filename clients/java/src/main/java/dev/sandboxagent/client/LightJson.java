package dev.sandboxagent.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The client's JSON without an ObjectMapper: trees parsed with jackson-core's streaming parser into Jackson's own
 * {@link JsonNode}s, and the client's records read from and written to them by their components.
 *
 * <p>Why: building an ObjectMapper and introspecting the answer's record type cost 130-160 ms of CPU in a fresh
 * JVM (measured), a third of a one-shot {@code sandbox-agent api} command, to read a few flat records. This does
 * what the mapper did for them, no more: members by component name (or the accessor's {@code @JsonProperty}),
 * unknown members ignored, missing ones null (0 or false for primitives), an explicit JSON null in a
 * {@code JsonNode} component a {@link NullNode}, lists and string-keyed maps of any of these, nested records; and
 * for request bodies, records (the class's or accessor's {@code @JsonInclude(NON_NULL)} honoured), maps, lists,
 * strings, numbers and booleans. ClientJsonTest holds it to the mapper's results for every answer type.
 */
final class LightJson {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** The record shapes, built on first use: a list never reads a record by reflection, so never needs them. */
    private static final class Shapes {
        static final ClassValue<RecordShape> ALL = new ClassValue<>() {
            @Override
            protected RecordShape computeValue(Class<?> type) {
                return RecordShape.of(type);
            }
        };
    }

    private LightJson() {
    }

    // ---- text to tree

    /** A JSON document as a tree, as {@code ObjectMapper.readTree} makes it (null for an empty document). */
    static JsonNode parse(String text) throws JsonProcessingException {
        try (JsonParser parser = FACTORY.createParser(text)) {
            JsonToken first = parser.nextToken();
            return first == null ? null : node(parser, first);
        } catch (JsonProcessingException e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e); // reading a String: cannot happen
        }
    }

    /**
     * {@link #parse}, its failure a {@link PlainJson.Malformed} with jackson-core's message (without the location):
     * so HttpTransport names no Jackson exception in a catch, whose classes its verification would load on every
     * command, the list's too (docs/benchmarks.md "CLI round trip, session 11").
     */
    static JsonNode parseAnswer(String text) throws PlainJson.Malformed {
        try {
            return parse(text);
        } catch (JsonProcessingException e) {
            throw new PlainJson.Malformed(e.getOriginalMessage(), e);
        }
    }

    private static JsonNode node(JsonParser parser, JsonToken token) throws IOException {
        switch (token) {
            case START_OBJECT -> {
                ObjectNode object = NODES.objectNode();
                JsonToken next;
                while ((next = parser.nextToken()) == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    object.set(name, node(parser, parser.nextToken()));
                }
                expect(next, JsonToken.END_OBJECT, parser);
                return object;
            }
            case START_ARRAY -> {
                ArrayNode array = NODES.arrayNode();
                JsonToken next;
                while ((next = parser.nextToken()) != JsonToken.END_ARRAY) {
                    if (next == null) {
                        throw new com.fasterxml.jackson.core.JsonParseException(parser, "unexpected end of input");
                    }
                    array.add(node(parser, next));
                }
                return array;
            }
            case VALUE_STRING -> {
                return NODES.textNode(parser.getText());
            }
            case VALUE_NUMBER_INT -> {
                JsonNode small = smallInteger(parser);
                if (small != null) {
                    return small;
                }
                return switch (parser.getNumberType()) {
                    case INT -> NODES.numberNode(parser.getIntValue());
                    case LONG -> NODES.numberNode(parser.getLongValue());
                    default -> NODES.numberNode(parser.getBigIntegerValue());
                };
            }
            case VALUE_NUMBER_FLOAT -> {
                return switch (parser.getNumberType()) {
                    case BIG_DECIMAL -> NODES.numberNode(parser.getDecimalValue());
                    case FLOAT -> NODES.numberNode(parser.getFloatValue());
                    default -> NODES.numberNode(parser.getDoubleValue());
                };
            }
            case VALUE_TRUE -> {
                return NODES.booleanNode(true);
            }
            case VALUE_FALSE -> {
                return NODES.booleanNode(false);
            }
            case VALUE_NULL -> {
                return NODES.nullNode();
            }
            default -> throw new com.fasterxml.jackson.core.JsonParseException(parser,
                    "unexpected " + (token == null ? "end of input" : token.asString()));
        }
    }

    /**
     * An integer of at most 18 digits, read from the token's text as jackson-core would read it (an int node when
     * it fits an int, else a long node); null for a longer one, which the parser reads. Why: jackson-core reads
     * any number's value through NumberInput, whose class initialiser compiles two regular expressions (java.util.regex
     * and ~25 classes), on every one-shot command whose answer holds a number (docs/benchmarks.md "CLI round trip,
     * session 10").
     */
    private static JsonNode smallInteger(JsonParser parser) throws IOException {
        char[] text = parser.getTextCharacters();
        int i = parser.getTextOffset();
        int end = i + parser.getTextLength();
        boolean negative = i < end && text[i] == '-';
        if (negative) {
            i++;
        }
        if (end - i < 1 || end - i > 18) {
            return null;
        }
        long value = 0;
        for (; i < end; i++) {
            char digit = text[i];
            if (digit < '0' || digit > '9') {
                return null;
            }
            value = value * 10 + (digit - '0');
        }
        if (negative) {
            value = -value;
        }
        return value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE ? NODES.numberNode((int) value)
                : NODES.numberNode(value);
    }

    private static void expect(JsonToken actual, JsonToken expected, JsonParser parser) throws IOException {
        if (actual != expected) {
            throw new com.fasterxml.jackson.core.JsonParseException(parser,
                    "unexpected " + (actual == null ? "end of input" : actual.asString()));
        }
    }

    // ---- tree to records

    /**
     * Reads {@code tree} as {@code type}.
     *
     * @throws IllegalArgumentException naming where the tree does not fit the type
     */
    static <T> T decode(JsonNode tree, Class<T> type) {
        return type.cast(value(tree, type, "$"));
    }

    private static Object value(JsonNode node, Type type, String where) {
        if (type instanceof ParameterizedType generic) {
            Class<?> raw = (Class<?>) generic.getRawType();
            Type[] arguments = generic.getActualTypeArguments();
            if (node == null || node.isNull()) {
                return null;
            }
            if (Collection.class.isAssignableFrom(raw)) {
                if (!node.isArray()) {
                    throw misfit(where, "an array", node);
                }
                List<Object> list = new ArrayList<>(node.size());
                for (int i = 0; i < node.size(); i++) {
                    list.add(value(node.get(i), arguments[0], where + "[" + i + "]"));
                }
                return list;
            }
            if (Map.class.isAssignableFrom(raw)) {
                if (!node.isObject()) {
                    throw misfit(where, "an object", node);
                }
                Map<String, Object> map = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> member : node.properties()) {
                    map.put(member.getKey(), value(member.getValue(), arguments[1], where + "." + member.getKey()));
                }
                return map;
            }
            throw new IllegalArgumentException("cannot read " + type);
        }
        Class<?> target = (Class<?>) type;
        if (JsonNode.class.isAssignableFrom(target)) {
            return node; // an explicit null stays a NullNode, as the mapper leaves it
        }
        if (node == null || node.isNull()) {
            return target.isPrimitive() ? defaultOf(target) : null;
        }
        if (target == String.class) {
            if (!node.isValueNode()) {
                throw misfit(where, "a string", node);
            }
            return node.asText();
        }
        if (target == boolean.class || target == Boolean.class) {
            if (node.isBoolean()) {
                return node.booleanValue();
            }
            throw misfit(where, "true or false", node);
        }
        if (target == long.class || target == Long.class) {
            return number(node, where).longValue();
        }
        if (target == int.class || target == Integer.class) {
            return number(node, where).intValue();
        }
        if (target == double.class || target == Double.class) {
            return number(node, where).doubleValue();
        }
        if (target.isRecord()) {
            if (!node.isObject()) {
                throw misfit(where, "an object", node);
            }
            // A session by hand: it is in create's answer (CreateSessionResponse), and reading it by reflection
            // parsed its generic signatures and annotations at run time (~45 JDK classes: sun.reflect.generics,
            // AnnotationParser, ClassValue; docs/benchmarks.md "CLI round trip, session 10"). The list's and get's
            // answers do not come here at all (PlainRecords, "CLI round trip, session 11"). Same result as the
            // reflective path (ClientJsonTest holds both to the mapper).
            if (target == SessionInfo.class) {
                return sessionInfo(node, where);
            }
            return Shapes.ALL.get(target).read(node, where);
        }
        throw new IllegalArgumentException("cannot read " + target.getName());
    }

    /** Reads {@code tree} as {@code type} by its components, never by a hand-written reader (for tests). */
    static <T> T decodeReflectively(JsonNode tree, Class<T> type) {
        return type.cast(Shapes.ALL.get(type).read(tree, "$"));
    }

    /** In component order, as the reflective path reads them: the first misfit is the one reported. */
    private static SessionInfo sessionInfo(JsonNode o, String where) {
        return new SessionInfo(text(o, "sessionId", where), text(o, "agent", where), text(o, "agentMode", where),
                text(o, "permissionMode", where), text(o, "model", where), text(o, "variant", where),
                text(o, "directory", where), text(o, "title", where), text(o, "nativeSessionId", where),
                (Boolean) value(o.get("ended"), boolean.class, where + ".ended"),
                whole(o, "eventCount", where), whole(o, "createdAt", where), whole(o, "updatedAt", where),
                text(o, "state", where), text(o, "runningTurnId", where));
    }

    private static String text(JsonNode object, String name, String where) {
        return (String) value(object.get(name), String.class, where + "." + name);
    }

    private static long whole(JsonNode object, String name, String where) {
        return (Long) value(object.get(name), long.class, where + "." + name);
    }

    private static Number number(JsonNode node, String where) {
        if (node.isIntegralNumber()) {
            return node.numberValue();
        }
        if (node.isNumber()) {
            return node.numberValue();
        }
        if (node.isTextual()) {
            try {
                return new BigDecimal(node.textValue().strip()); // the mapper accepts "12" for a number too
            } catch (NumberFormatException e) {
                throw misfit(where, "a number", node);
            }
        }
        throw misfit(where, "a number", node);
    }

    private static Object defaultOf(Class<?> primitive) {
        if (primitive == boolean.class) {
            return false;
        }
        if (primitive == long.class) {
            return 0L;
        }
        if (primitive == int.class) {
            return 0;
        }
        if (primitive == double.class) {
            return 0.0;
        }
        throw new IllegalArgumentException("cannot read " + primitive);
    }

    private static IllegalArgumentException misfit(String where, String expected, JsonNode actual) {
        String kind = actual.isObject() ? "an object" : actual.isArray() ? "an array"
                : actual.isTextual() ? "a string" : actual.isNumber() ? "a number"
                : actual.isBoolean() ? "a boolean" : actual.getNodeType().toString();
        return new IllegalArgumentException(where + ": expected " + expected + ", got " + kind);
    }

    // ---- values to bytes (request bodies)

    /** Encodes a request body. */
    static byte[] encode(Object value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (JsonGenerator out = FACTORY.createGenerator(bytes)) {
            write(out, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing to memory: cannot happen
        }
        return bytes.toByteArray();
    }

    private static void write(JsonGenerator out, Object value) throws IOException {
        if (value == null) {
            out.writeNull();
        } else if (value instanceof String text) {
            out.writeString(text);
        } else if (value instanceof Boolean flag) {
            out.writeBoolean(flag);
        } else if (value instanceof Integer || value instanceof Long || value instanceof Short
                || value instanceof Byte) {
            out.writeNumber(((Number) value).longValue());
        } else if (value instanceof Double || value instanceof Float) {
            out.writeNumber(((Number) value).doubleValue());
        } else if (value instanceof BigInteger big) {
            out.writeNumber(big);
        } else if (value instanceof BigDecimal decimal) {
            out.writeNumber(decimal);
        } else if (value instanceof Map<?, ?> map) {
            out.writeStartObject();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                out.writeFieldName(String.valueOf(entry.getKey()));
                write(out, entry.getValue());
            }
            out.writeEndObject();
        } else if (value instanceof Collection<?> items) {
            out.writeStartArray();
            for (Iterator<?> it = items.iterator(); it.hasNext(); ) {
                write(out, it.next());
            }
            out.writeEndArray();
        } else if (value instanceof Record record) {
            Shapes.ALL.get(record.getClass()).write(out, record);
        } else {
            throw new IllegalArgumentException("cannot encode a " + value.getClass().getName());
        }
    }

    /** A record type's components: JSON names, generic types, accessors, canonical constructor. */
    private record RecordShape(Class<?> type, RecordComponent[] components, String[] names, boolean[] skipNull,
                               Constructor<?> constructor) {
        static RecordShape of(Class<?> type) {
            RecordComponent[] components = type.getRecordComponents();
            String[] names = new String[components.length];
            boolean[] skipNull = new boolean[components.length];
            Class<?>[] parameterTypes = new Class<?>[components.length];
            JsonInclude classInclude = type.getAnnotation(JsonInclude.class);
            boolean classSkipsNull = classInclude != null && classInclude.value() == JsonInclude.Include.NON_NULL;
            for (int i = 0; i < components.length; i++) {
                // Jackson's annotations target fields, methods and parameters, so a component's land on those.
                JsonProperty property = components[i].getAccessor().getAnnotation(JsonProperty.class);
                names[i] = property != null && !property.value().isEmpty() ? property.value()
                        : components[i].getName();
                JsonInclude include = components[i].getAccessor().getAnnotation(JsonInclude.class);
                skipNull[i] = include != null ? include.value() == JsonInclude.Include.NON_NULL : classSkipsNull;
                parameterTypes[i] = components[i].getType();
            }
            try {
                return new RecordShape(type, components, names, skipNull,
                        type.getDeclaredConstructor(parameterTypes));
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException("a record without its canonical constructor: " + type, e);
            }
        }

        Object read(JsonNode object, String where) {
            Object[] arguments = new Object[components.length];
            for (int i = 0; i < components.length; i++) {
                arguments[i] = value(object.get(names[i]), components[i].getGenericType(), where + "." + names[i]);
            }
            try {
                return constructor.newInstance(arguments);
            } catch (InvocationTargetException e) {
                throw new IllegalArgumentException(where + ": " + e.getCause().getMessage(), e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot build a " + type.getSimpleName(), e);
            }
        }

        void write(JsonGenerator out, Record record) throws IOException {
            out.writeStartObject();
            for (int i = 0; i < components.length; i++) {
                Object value;
                try {
                    value = components[i].getAccessor().invoke(record);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("cannot read " + type.getSimpleName() + "." + names[i], e);
                }
                if (value == null && skipNull[i]) {
                    continue;
                }
                out.writeFieldName(names[i]);
                LightJson.write(out, value);
            }
            out.writeEndObject();
        }
    }
}
