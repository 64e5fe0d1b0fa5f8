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
    private static final SerializedString PHASE = new SerializedString("phase");
    private static final SerializedString TURN_ID = new SerializedString("turn_id");
    private static final SerializedString METADATA = new SerializedString("metadata");
    private static final SerializedString STATUS = new SerializedString("status");
    private static final SerializedString ITEM = new SerializedString("item");
    private static final SerializedString NATIVE_ITEM_ID = new SerializedString("native_item_id");
    private static final SerializedString KIND = new SerializedString("kind");
    private static final SerializedString ROLE = new SerializedString("role");
    private static final SerializedString CONTENT = new SerializedString("content");
    private static final SerializedString TYPE = new SerializedString("type");
    private static final SerializedString TEXT = new SerializedString("text");

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
        if (!writtenByHand(out, data)) {
            WRITER.writeValue(out, data);
        }
    }

    /**
     * Writes the events every turn has, in their common shapes, as the bean serializer would: turn.started, a
     * turn.ended that reports only its status, and item.started / item.completed of an item with no parent whose
     * content is text only (the user's message, a mock's or a chat agent's reply). Each costs the databind its
     * serializer provider and bean serializers per event, ~5% of the CPU of the threads that append a turn's
     * events (docs/benchmarks.md "Turn cost, session 14"). Any other shape returns false and goes to the bean
     * serializer; EventCodecTest holds the bytes equal to the serializer's for every kind, role and status.
     */
    private static boolean writtenByHand(JsonGenerator out, EventData data) throws IOException {
        if (data instanceof EventData.TurnStarted started) {
            if (started.turnId() == null) {
                return false;
            }
            out.writeStartObject();
            out.writeFieldName(PHASE);
            out.writeString("started");
            out.writeFieldName(TURN_ID);
            out.writeString(started.turnId());
            out.writeEndObject();
            return true;
        }
        if (data instanceof EventData.TurnEnded ended) {
            EventData.TurnEnded.Metadata metadata = ended.metadata();
            if (ended.turnId() == null || metadata == null || metadata.status() == null
                    || !metadata.equals(EventData.TurnEnded.Metadata.of(metadata.status()))) {
                return false; // a turn's end with usage, cost, an error...: the bean serializer
            }
            out.writeStartObject();
            out.writeFieldName(PHASE);
            out.writeString("ended");
            out.writeFieldName(TURN_ID);
            out.writeString(ended.turnId());
            out.writeFieldName(METADATA);
            out.writeStartObject();
            out.writeFieldName(STATUS);
            out.writeString(metadata.status());
            out.writeEndObject();
            out.writeEndObject();
            return true;
        }
        Item item = data instanceof EventData.ItemStarted started ? started.item()
                : data instanceof EventData.ItemCompleted completed ? completed.item() : null;
        if (item == null || item.parentId() != null || item.kind() == Item.Kind.TOOL_RESULT) {
            return false;
        }
        for (ContentPart part : item.content()) {
            if (!(part instanceof ContentPart.Text)) {
                return false;
            }
        }
        out.writeStartObject();
        out.writeFieldName(ITEM);
        out.writeStartObject();
        out.writeFieldName(ITEM_ID);
        out.writeString(item.itemId());
        if (item.nativeItemId() != null) {
            out.writeFieldName(NATIVE_ITEM_ID);
            out.writeString(item.nativeItemId());
        }
        out.writeFieldName(KIND);
        out.writeString(wire(item.kind()));
        if (item.role() != null) {
            out.writeFieldName(ROLE);
            out.writeString(wire(item.role()));
        }
        out.writeFieldName(STATUS);
        out.writeString(wire(item.status()));
        out.writeFieldName(CONTENT);
        out.writeStartArray();
        for (ContentPart part : item.content()) {
            out.writeStartObject();
            out.writeFieldName(TYPE);
            out.writeString("text");
            out.writeFieldName(TEXT);
            out.writeString(((ContentPart.Text) part).text());
            out.writeEndObject();
        }
        out.writeEndArray();
        out.writeEndObject();
        out.writeEndObject();
        return true;
    }

    // The wire names of Item's enums, as their @JsonProperty says (EventCodecTest compares every value).
    private static String wire(Item.Kind kind) {
        return switch (kind) {
            case MESSAGE -> "message";
            case TOOL_CALL -> "tool_call";
            case TOOL_RESULT -> "tool_result";
            case SYSTEM -> "system";
            case STATUS -> "status";
            case UNKNOWN -> "unknown";
        };
    }

    private static String wire(Item.Role role) {
        return switch (role) {
            case USER -> "user";
            case ASSISTANT -> "assistant";
            case SYSTEM -> "system";
            case TOOL -> "tool";
        };
    }

    private static String wire(Item.Status status) {
        return switch (status) {
            case IN_PROGRESS -> "in_progress";
            case COMPLETED -> "completed";
            case FAILED -> "failed";
        };
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
