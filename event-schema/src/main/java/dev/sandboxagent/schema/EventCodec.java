package dev.sandboxagent.schema;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Objects;

/**
 * The one place event data turns into wire JSON and back: snake_case, components in declaration order, absent
 * when null (see {@link EventData}). Decoding is strict: a property no record component stands for is an error,
 * so that the records and the wire cannot drift apart unnoticed.
 */
public final class EventCodec {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();
    /** No flush after each value: the caller's generator writes to memory and is closed by the caller. */
    private static final ObjectWriter WRITER = MAPPER.writer().without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE);

    private static final SerializedString ITEM_ID = new SerializedString("item_id");
    private static final SerializedString DELTA = new SerializedString("delta");

    private EventCodec() {
    }

    /** {@code data} as the JSON object the wire carries. */
    public static ObjectNode toTree(EventData data) {
        Objects.requireNonNull(data, "data");
        return MAPPER.valueToTree(data);
    }

    /**
     * Writes {@code data} as the JSON value the wire carries, straight into {@code out}: the same bytes as
     * {@link #toTree} written out, without building the tree.
     */
    public static void write(JsonGenerator out, EventData data) throws IOException {
        Objects.requireNonNull(data, "data");
        if (data instanceof EventData.ItemDelta delta) {
            // A streaming agent's events are almost all deltas: written by hand, they skip the databind's
            // serializer provider and bean serializer per event (a fifth of the store writer's time in a stream).
            // The same calls the bean serializer makes, so the same bytes (EventCodecTest).
            out.writeStartObject();
            out.writeFieldName(ITEM_ID);
            out.writeString(delta.itemId());
            out.writeFieldName(DELTA);
            out.writeString(delta.delta());
            out.writeEndObject();
            return;
        }
        WRITER.writeValue(out, data);
    }

    /** {@code data} as the JSON text the wire carries. */
    public static String encode(EventData data) {
        Objects.requireNonNull(data, "data");
        try {
            return MAPPER.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + data.type() + " data", e);
        }
    }

    /**
     * The record for an event's {@code data}.
     *
     * @throws IllegalArgumentException when {@code data} is not what the wire has for {@code type}
     */
    public static EventData decode(EventType type, JsonNode data) {
        return decode(data, type.dataType());
    }

    /**
     * The record for an event's {@code data}, as the record type the caller expects.
     *
     * @throws IllegalArgumentException when {@code data} is not that record on the wire
     */
    public static <T extends EventData> T decode(JsonNode data, Class<T> dataType) {
        Objects.requireNonNull(data, "data");
        try {
            return MAPPER.treeToValue(data, dataType);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not the data of " + EventType.of(dataType) + ": "
                    + e.getOriginalMessage(), e);
        }
    }

    /** A content part or item on its own, as the wire carries it inside an item event. */
    public static JsonNode toTree(Item item) {
        return MAPPER.valueToTree(item);
    }
}
