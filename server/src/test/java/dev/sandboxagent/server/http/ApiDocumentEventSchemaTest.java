package dev.sandboxagent.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.sandboxagent.schema.ContentPart;
import dev.sandboxagent.schema.EventCodec;
import dev.sandboxagent.schema.EventData;
import dev.sandboxagent.schema.EventType;
import dev.sandboxagent.schema.Item;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The event schemas of the served OpenAPI document against the records of the event-schema module, so that the two
 * cannot drift: each record's schema is derived here from the record (its components snake_case, required ones
 * required, {@code ALWAYS} ones nullable, nested records by reference) and must equal the document's, descriptions
 * aside; every event type has its data schema; and events the codec encodes validate against the document.
 */
class ApiDocumentEventSchemaTest {
    private static final String REF = "#/components/schemas/";
    private static final PropertyNamingStrategies.NamingBase SNAKE =
            (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

    /** The document as served (ApiDocument's parsed tree is annotated by the schema repository). */
    private final JsonObject served = new JsonObject(ApiDocument.load().text());

    private JsonObject schema(String name) {
        return served.getJsonObject("components").getJsonObject("schemas").getJsonObject(name);
    }

    @Test
    void everyRecordHasTheSchemaItsComponentsSay() {
        Map<String, JsonObject> expected = expectedSchemas();
        for (Map.Entry<String, JsonObject> schema : expected.entrySet()) {
            JsonObject documented = schema(schema.getKey());
            assertThat(documented).as("components.schemas." + schema.getKey() + " is missing").isNotNull();
            assertThat(withoutDescriptions(documented)).as("components.schemas." + schema.getKey())
                    .isEqualTo(schema.getValue());
        }
    }

    @Test
    void everyEventTypeNamesItsDataSchema() {
        JsonObject event = schema("UniversalEvent");
        assertThat(event.getJsonObject("properties").getJsonObject("type").getJsonArray("enum").getList())
                .containsExactlyInAnyOrderElementsOf(
                        java.util.Arrays.stream(EventType.values()).map(EventType::wire).toList());
        Map<String, String> byType = new LinkedHashMap<>();
        for (Object rule : event.getJsonArray("allOf")) {
            JsonObject ifThen = (JsonObject) rule;
            String type = ifThen.getJsonObject("if").getJsonObject("properties").getJsonObject("type")
                    .getString("const");
            String ref = ifThen.getJsonObject("then").getJsonObject("properties").getJsonObject("data")
                    .getString("$ref");
            assertThat(byType.put(type, ref)).as("one rule per type: " + type).isNull();
        }
        Map<String, String> expected = new LinkedHashMap<>();
        for (EventType type : EventType.values()) {
            expected.put(type.wire(), REF + name(type.dataType()));
        }
        assertThat(byType).isEqualTo(expected);
    }

    @Test
    void encodedEventsValidateAgainstTheDocumentAndAWrongOneDoesNot() {
        SchemaRepository repository = SchemaRepository.create(new JsonSchemaOptions().setDraft(Draft.DRAFT202012)
                .setBaseUri("urn:sandbox-agent:openapi").setOutputFormat(OutputFormat.Basic));
        repository.dereference("urn:sandbox-agent:openapi", JsonSchema.of(served.copy()));
        Validator validator = repository.validator("urn:sandbox-agent:openapi#/components/schemas/UniversalEvent");
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        List<EventData> samples = List.of(
                new EventData.SessionStarted(new EventData.SessionStarted.Metadata("mock", "build", "default",
                        null, null)),
                new EventData.SessionResumed(new EventData.SessionResumed.Metadata("interrupted", null)),
                new EventData.SessionEnded("error", "agent", "exited", 2,
                        new EventData.SessionEnded.Stderr("h", null, 1L, false)),
                new EventData.TurnStarted("t"),
                new EventData.TurnEnded("t", new EventData.TurnEnded.Metadata("completed",
                        nodes.objectNode().put("input_tokens", 1), nodes.numberNode(0.1), null, null, null, null)),
                new EventData.ItemStarted(Item.of("m", Item.Kind.MESSAGE, Item.Role.ASSISTANT,
                        Item.Status.IN_PROGRESS, List.of())),
                new EventData.ItemDelta("m", "x"),
                new EventData.ItemCompleted(new Item("r", "r", Item.Kind.TOOL_RESULT, Item.Role.TOOL,
                        Item.Status.COMPLETED, List.of(new ContentPart.ToolResult("c", "ok"),
                        new ContentPart.FileRef("a", "update", null)), null)),
                new EventData.PermissionRequested("p", "write", "requested", nodes.objectNode()),
                new EventData.PermissionResolved("p", null, "reject", null),
                new EventData.QuestionRequested("q", "?", List.of("y"), "requested", null,
                        List.of(new EventData.Question("?", null, false, List.of("y"))), null),
                new EventData.QuestionResolved("q", "?", List.of(), "answered", "y", null, null),
                new EventData.Error("boom", "x"),
                new EventData.AgentUnparsed("cannot parse", "stdout", "ab"));
        Set<EventType> seen = new HashSet<>();
        for (EventData data : samples) {
            seen.add(data.type());
            JsonObject event = event(data.type().wire(), new JsonObject(EventCodec.encode(data)));
            assertThat(validator.validate(event).getValid()).as(event.encode()).isTrue();
        }
        assertThat(seen).containsExactlyInAnyOrder(EventType.values());

        JsonObject turnEndedWithoutStatus = event("turn.ended",
                new JsonObject().put("phase", "ended").put("turn_id", "t").put("metadata", new JsonObject()));
        assertThat(validator.validate(turnEndedWithoutStatus).getValid()).isFalse();
        JsonObject deltaAsTurn = event("turn.ended", new JsonObject(EventCodec.encode(
                new EventData.ItemDelta("m", "x"))));
        assertThat(validator.validate(deltaAsTurn).getValid()).isFalse();
    }

    private static JsonObject event(String type, JsonObject data) {
        return new JsonObject().put("event_id", "evt_1").put("sequence", 1).put("time", "2026-01-01T00:00:00Z")
                .put("session_id", "s").put("source", "agent").put("synthetic", false).put("type", type)
                .put("data", data);
    }

    /** The schema of every record reachable from the event types' data, by schema name. */
    static Map<String, JsonObject> expectedSchemas() {
        Map<String, JsonObject> schemas = new LinkedHashMap<>();
        Deque<Class<?>> todo = new ArrayDeque<>();
        for (EventType type : EventType.values()) {
            todo.add(type.dataType());
        }
        Set<Class<?>> done = new HashSet<>();
        while (!todo.isEmpty()) {
            Class<?> type = todo.poll();
            if (done.add(type)) {
                schemas.put(name(type), schemaOf(type, todo));
            }
        }
        return schemas;
    }

    /** Schema names: the anchor's where it has one (UniversalItem, ContentPart), else the record's. */
    static String name(Class<?> type) {
        if (type == Item.class || type == ContentPart.class) {
            return type == Item.class ? "UniversalItem" : "ContentPart";
        }
        if (ContentPart.class.isAssignableFrom(type)) {
            return type.getSimpleName() + "Part";
        }
        if (EventData.class.isAssignableFrom(type)) {
            return type.getSimpleName() + "Data";
        }
        Class<?> outer = type.getEnclosingClass();
        return outer != null && EventData.class.isAssignableFrom(outer) && outer != EventData.class
                ? outer.getSimpleName() + type.getSimpleName() : type.getSimpleName();
    }

    private static JsonObject schemaOf(Class<?> type, Deque<Class<?>> todo) {
        if (type == ContentPart.class) {
            JsonArray oneOf = new JsonArray();
            JsonObject mapping = new JsonObject();
            for (JsonSubTypes.Type sub : ContentPart.class.getAnnotation(JsonSubTypes.class).value()) {
                oneOf.add(new JsonObject().put("$ref", REF + name(sub.value())));
                mapping.put(sub.name(), REF + name(sub.value()));
                todo.add(sub.value());
            }
            return new JsonObject().put("oneOf", oneOf)
                    .put("discriminator", new JsonObject().put("propertyName", "type").put("mapping", mapping));
        }
        JsonObject properties = new JsonObject();
        Set<String> required = new TreeSet<>();
        if (ContentPart.class.isAssignableFrom(type)) {
            properties.put("type", new JsonObject().put("const", partName(type)));
            required.add("type");
        }
        for (Method method : type.getDeclaredMethods()) {
            JsonProperty named = method.getAnnotation(JsonProperty.class);
            if (named != null && !named.value().isEmpty() && method.getParameterCount() == 0) {
                properties.put(named.value(), typeOf(method.getGenericReturnType(), false, todo));
                if (named.required()) {
                    required.add(named.value());
                }
            }
        }
        for (RecordComponent component : type.getRecordComponents()) {
            Method accessor = component.getAccessor();
            JsonProperty property = accessor.getAnnotation(JsonProperty.class);
            String name = property != null && !property.value().isEmpty() ? property.value()
                    : SNAKE.translate(component.getName());
            JsonInclude include = accessor.getAnnotation(JsonInclude.class);
            boolean nullable = include != null && include.value() == JsonInclude.Include.ALWAYS;
            properties.put(name, typeOf(component.getGenericType(), nullable, todo));
            if (property != null && property.required()) {
                required.add(name);
            }
        }
        JsonObject schema = new JsonObject().put("type", "object");
        if (!required.isEmpty()) {
            schema.put("required", new JsonArray(List.copyOf(required)));
        }
        return schema.put("properties", properties);
    }

    private static String partName(Class<?> part) {
        for (JsonSubTypes.Type sub : ContentPart.class.getAnnotation(JsonSubTypes.class).value()) {
            if (sub.value() == part) {
                return sub.name();
            }
        }
        throw new AssertionError(part + " is not a content part the codec knows");
    }

    private static JsonObject typeOf(Type type, boolean nullable, Deque<Class<?>> todo) {
        if (type instanceof ParameterizedType list && list.getRawType() == List.class) {
            return nullable(new JsonObject().put("type", "array")
                    .put("items", typeOf(list.getActualTypeArguments()[0], false, todo)), nullable);
        }
        Class<?> raw = (Class<?>) type;
        if (raw == String.class) {
            return nullable(new JsonObject().put("type", "string"), nullable);
        }
        if (raw == int.class || raw == Integer.class || raw == long.class || raw == Long.class) {
            return nullable(new JsonObject().put("type", "integer"), nullable);
        }
        if (raw == boolean.class || raw == Boolean.class) {
            return nullable(new JsonObject().put("type", "boolean"), nullable);
        }
        if (raw == JsonNode.class) {
            return new JsonObject(); // any JSON: the agent's own shape
        }
        if (raw.isEnum()) {
            JsonArray values = new JsonArray();
            for (Object constant : raw.getEnumConstants()) {
                try {
                    values.add(raw.getField(((Enum<?>) constant).name()).getAnnotation(JsonProperty.class).value());
                } catch (NoSuchFieldException e) {
                    throw new AssertionError(e);
                }
            }
            return nullable(new JsonObject().put("type", "string").put("enum", values), nullable);
        }
        if (raw.isRecord() || raw == ContentPart.class) {
            todo.add(raw);
            return new JsonObject().put("$ref", REF + name(raw));
        }
        throw new AssertionError("no JSON type for " + type + ": teach the test");
    }

    private static JsonObject nullable(JsonObject schema, boolean nullable) {
        if (nullable) {
            schema.put("type", new JsonArray().add(schema.getString("type")).add("null"));
        }
        return schema;
    }

    private static JsonObject withoutDescriptions(JsonObject schema) {
        JsonObject copy = schema.copy();
        strip(copy);
        return copy;
    }

    private static void strip(Object node) {
        if (node instanceof JsonObject object) {
            object.remove("description");
            object.forEach(entry -> strip(entry.getValue()));
        } else if (node instanceof JsonArray array) {
            array.forEach(ApiDocumentEventSchemaTest::strip);
        }
    }

    /** Prints the derived schemas (to seed the document when a record is added). */
    public static void main(String[] args) {
        System.out.println(new JsonObject(new LinkedHashMap<>(expectedSchemas())).encodePrettily());
    }
}
