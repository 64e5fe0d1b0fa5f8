package dev.sandboxagent.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.sandboxagent.schema.ContentPart.FileRef;
import dev.sandboxagent.schema.ContentPart.Image;
import dev.sandboxagent.schema.ContentPart.Json;
import dev.sandboxagent.schema.ContentPart.Reasoning;
import dev.sandboxagent.schema.ContentPart.Text;
import dev.sandboxagent.schema.ContentPart.ToolCall;
import dev.sandboxagent.schema.ContentPart.ToolResult;
import dev.sandboxagent.schema.EventData.AgentUnparsed;
import dev.sandboxagent.schema.EventData.Error;
import dev.sandboxagent.schema.EventData.ItemCompleted;
import dev.sandboxagent.schema.EventData.ItemDelta;
import dev.sandboxagent.schema.EventData.ItemStarted;
import dev.sandboxagent.schema.EventData.PermissionRequested;
import dev.sandboxagent.schema.EventData.PermissionResolved;
import dev.sandboxagent.schema.EventData.Question;
import dev.sandboxagent.schema.EventData.QuestionRequested;
import dev.sandboxagent.schema.EventData.QuestionResolved;
import dev.sandboxagent.schema.EventData.SessionEnded;
import dev.sandboxagent.schema.EventData.SessionResumed;
import dev.sandboxagent.schema.EventData.SessionStarted;
import dev.sandboxagent.schema.EventData.TurnEnded;
import dev.sandboxagent.schema.EventData.TurnStarted;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EventCodecTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** One record of every event type, with every optional part set somewhere. */
    static List<EventData> everyType() {
        Item toolResult = new Item("result_c", "result_c", Item.Kind.TOOL_RESULT, Item.Role.TOOL,
                Item.Status.FAILED, List.of(new ToolResult("c", "no", 1, "failed"),
                new FileRef("a.txt", "update", "@@ -1 +1 @@")), "c");
        return List.of(
                new SessionStarted(new SessionStarted.Metadata("mock", "build", "default", "/w", "m")),
                new SessionResumed(new SessionResumed.Metadata("interrupted", "native-1")),
                new SessionEnded("error", "agent", "the agent exited with code 3", 3,
                        new SessionEnded.Stderr("h", "t", 900L, true)),
                new TurnStarted("t1"),
                new TurnEnded("t1", new TurnEnded.Metadata("completed", NODES.objectNode().put("in", 2),
                        NODES.numberNode(0.5), NODES.numberNode(1), NODES.numberNode(20), NODES.textNode("end"),
                        null)),
                new ItemStarted(Item.of("m1", Item.Kind.MESSAGE, Item.Role.ASSISTANT, Item.Status.IN_PROGRESS,
                        List.of())),
                new ItemDelta("m1", "he"),
                new ItemCompleted(toolResult),
                new ItemCompleted(Item.of("c", Item.Kind.TOOL_CALL, Item.Role.ASSISTANT, Item.Status.COMPLETED,
                        List.of(new ToolCall("bash", "{\"cmd\":\"ls\"}", "c"), new Text("t"),
                                new Json(NODES.arrayNode().add(1)), new Image("i.png", null),
                                new Reasoning("r", "private"), new ContentPart.Status("l", "d")))),
                new PermissionRequested("p1", "write", "requested", NODES.objectNode().put("tool_name", "Write")),
                new PermissionResolved("p1", "write", "accept_for_session", null),
                new QuestionRequested("q1", "Pick", List.of("a"), "requested", null,
                        List.of(new Question("Pick", "H", true, List.of("a"))), null),
                new QuestionResolved("q1", "Pick", List.of("a"), "answered", "a", null, null),
                new Error("boom", "codex_error", NODES.objectNode().put("k", "v"), false, "t1", 4L),
                new AgentUnparsed("cannot parse", "stdout", "00ff"));
    }

    @Test
    void everyRecordRoundTripsThroughTheWire() throws IOException {
        Set<EventType> seen = EnumSet.noneOf(EventType.class);
        for (EventData data : everyType()) {
            seen.add(data.type());
            JsonNode wire = JSON.readTree(EventCodec.encode(data)); // as a client would parse it
            assertThat(EventCodec.decode(data.type(), wire)).as(data.type().wire()).isEqualTo(data);
            assertThat(EventCodec.toTree(data).toString()).isEqualTo(EventCodec.encode(data));
            assertThat(written(data)).isEqualTo(EventCodec.encode(data));
        }
        assertThat(seen).containsExactlyInAnyOrder(EventType.values());
    }

    /**
     * Events as our server emits them: a real run of the mock agent through the server (every daemon and mock
     * event), and the shapes the Claude Code and Codex adapters and the server's rarer paths build. Each decodes
     * to its type's record, which encodes to the very same bytes.
     */
    @ParameterizedTest
    @ValueSource(strings = {"/wire/mock-run.jsonl", "/wire/shapes.jsonl"})
    void wireEventsDecodeToRecordsThatEncodeToTheSameBytes(String fixture) throws IOException {
        Set<EventType> seen = EnumSet.noneOf(EventType.class);
        for (JsonNode event : events(fixture)) {
            EventType type = EventType.fromWire(event.get("type").asText()).orElseThrow(
                    () -> new AssertionError("unknown type in " + event));
            seen.add(type);
            EventData data = EventCodec.decode(type, event.get("data"));
            assertThat(data).isInstanceOf(type.dataType());
            assertThat(data.type()).isEqualTo(type);
            assertThat(EventCodec.encode(data)).as(event.toString()).isEqualTo(event.get("data").toString());
            // What the store's writer does with a record: the same bytes, with no tree in between.
            assertThat(written(data)).as(event.toString()).isEqualTo(event.get("data").toString());
        }
        assertThat(seen).as("every type appears in " + fixture).containsExactlyInAnyOrder(EventType.values());
    }

    @Test
    void theServersTurnEndCarriesOnlyItsStatus() {
        assertThat(EventCodec.encode(TurnEnded.of("t9", "interrupted")))
                .isEqualTo("{\"phase\":\"ended\",\"turn_id\":\"t9\",\"metadata\":{\"status\":\"interrupted\"}}");
        assertThat(TurnEnded.of("t9", "interrupted").status()).isEqualTo("interrupted");
    }

    @Test
    void aToolResultSaysItsParentEvenWhenUnknownOtherItemsOnlyWhenSet() {
        Item result = new Item("r", "r", Item.Kind.TOOL_RESULT, Item.Role.TOOL, Item.Status.COMPLETED, List.of(),
                null);
        assertThat(EventCodec.toTree(result).has("parent_id")).isTrue();
        assertThat(EventCodec.toTree(result).get("parent_id").isNull()).isTrue();
        Item message = Item.of("m", Item.Kind.MESSAGE, Item.Role.USER, Item.Status.COMPLETED, List.of());
        assertThat(EventCodec.toTree(message).has("parent_id")).isFalse();
        assertThat(EventCodec.toTree(message.withParent("x")).get("parent_id").asText()).isEqualTo("x");
    }

    @Test
    void aPropertyNoRecordComponentStandsForIsRefused() throws IOException {
        JsonNode extra = JSON.readTree("{\"item_id\":\"m\",\"delta\":\"x\",\"colour\":\"red\"}");
        assertThatThrownBy(() -> EventCodec.decode(EventType.ITEM_DELTA, extra))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("item.delta")
                .hasMessageContaining("colour");
        JsonNode missing = JSON.readTree("{\"item_id\":\"m\"}");
        assertThatThrownBy(() -> EventCodec.decode(EventType.ITEM_DELTA, missing))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("delta");
        JsonNode badKind = JSON.readTree("{\"item\":{\"item_id\":\"m\",\"kind\":\"poem\",\"status\":\"completed\","
                + "\"content\":[]}}");
        assertThatThrownBy(() -> EventCodec.decode(EventType.ITEM_COMPLETED, badKind))
                .isInstanceOf(IllegalArgumentException.class);
        JsonNode badPart = JSON.readTree("{\"item\":{\"item_id\":\"m\",\"kind\":\"message\",\"status\":"
                + "\"completed\",\"content\":[{\"type\":\"video\"}]}}");
        assertThatThrownBy(() -> EventCodec.decode(EventType.ITEM_COMPLETED, badPart))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void wireNamesMapBothWays() {
        for (EventType type : EventType.values()) {
            assertThat(EventType.fromWire(type.wire())).contains(type);
            assertThat(EventType.of(type.dataType())).isEqualTo(type);
            assertThat(type.is(type.wire())).isTrue();
        }
        assertThat(EventType.fromWire("turn.paused")).isEmpty();
        assertThat(EventType.fromWire(null)).isEmpty();
        assertThat(EventType.values()).extracting(EventType::wire).doesNotHaveDuplicates();
    }

    /**
     * item.delta is written by hand (the streaming hot path), every other type by the bean serializer: the bytes
     * must be the serializer's, for any text, in the UTF-8 generator the store writes events with.
     */
    @Test
    void aDeltaIsWrittenAsTheBeanSerializerWritesItWhateverItsText() throws IOException {
        List<String> texts = List.of("", "12 ", "a \"quoted\" \\ back\\slash", "tab\tnew\nline\r\u0000\u001f\u007f",
                "héllo wörld", "日本語", "emoji \uD83D\uDE00 pair", "lone \uD83D surrogate", "</script>&'");
        for (String itemId : List.of("msg_1_2", "\"id\"\n\u00e9")) {
            for (String text : texts) {
                ItemDelta delta = new ItemDelta(itemId, text);
                assertThat(utf8Written(delta)).as(text).isEqualTo(utf8Tree(EventCodec.toTree(delta)));
                assertThat(written(delta)).as(text).isEqualTo(EventCodec.encode(delta));
            }
        }
    }

    /** {@code data} written by EventCodec into a UTF-8 generator, inside an array as an event's data is. */
    private static byte[] utf8Written(EventData data) throws IOException {
        return utf8InAnArray(out -> EventCodec.write(out, data));
    }

    /** {@code tree} (the bean serializer's work, by {@link EventCodec#toTree}) written the same way. */
    private static byte[] utf8Tree(JsonNode tree) throws IOException {
        return utf8InAnArray(out -> JSON.writeTree(out, tree));
    }

    private interface GeneratorWork {
        void writeTo(JsonGenerator out) throws IOException;
    }

    private static byte[] utf8InAnArray(GeneratorWork work) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (JsonGenerator out = JSON.getFactory().createGenerator(bytes)) {
            out.writeStartArray();
            work.writeTo(out);
            out.writeEndArray();
        }
        return bytes.toByteArray();
    }

    static List<JsonNode> events(String resource) throws IOException {
        try (InputStream in = EventCodecTest.class.getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            List<JsonNode> events = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    events.add(JSON.readTree(line));
                }
            }
            return events;
        }
    }

    /** {@code data} written into a generator of another mapper, as the store's writer writes it into an event. */
    private static String written(EventData data) throws IOException {
        StringWriter text = new StringWriter();
        try (JsonGenerator out = JSON.getFactory().createGenerator(text)) {
            out.writeStartArray(); // inside a larger document, as an event's "data" is
            EventCodec.write(out, data);
            out.writeEndArray();
        }
        String array = text.toString();
        return array.substring(1, array.length() - 1);
    }
}
