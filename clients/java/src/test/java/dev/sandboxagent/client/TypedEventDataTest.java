package dev.sandboxagent.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandboxagent.schema.ContentPart;
import dev.sandboxagent.schema.EventData;
import dev.sandboxagent.schema.Item;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Events read through the client decode their data to the event-schema records the server encodes. */
class TypedEventDataTest {
    /** Events as the server sends them (from a run of the mock agent), in one page of GET .../events. */
    private static final String PAGE = "{\"events\":["
            + envelope(1, "turn.ended", "{\"phase\":\"ended\",\"turn_id\":\"turn_1\",\"metadata\":{\"status\":"
                    + "\"completed\"}}")
            + "," + envelope(2, "item.completed", "{\"item\":{\"item_id\":\"msg_1_4\",\"native_item_id\":"
                    + "\"msg_1_4\",\"kind\":\"tool_result\",\"role\":\"tool\",\"status\":\"completed\",\"content\":"
                    + "[{\"type\":\"tool_result\",\"call_id\":\"call_1_1\",\"output\":\"bash ran with ls\"}],"
                    + "\"parent_id\":\"msg_1_3\"}}")
            + "," + envelope(3, "turn.paused", "{\"why\":\"a newer server\"}")
            + "," + envelope(4, "item.delta", "{\"item_id\":\"m\"}")
            + "],\"hasMore\":false}";

    @Test
    void dataDecodesToTheRecordOfItsType() throws Exception {
        try (FakeServer server = new FakeServer((request, exchange) -> FakeServer.json(exchange, 200, PAGE))) {
            List<UniversalEvent> events = server.client(null).events("s", 0, null).events();

            EventData.TurnEnded ended = events.get(0).data(EventData.TurnEnded.class);
            assertThat(ended).isEqualTo(EventData.TurnEnded.of("turn_1", "completed"));
            assertThat(events.get(0).typedData()).contains(ended);

            EventData.ItemCompleted completed = (EventData.ItemCompleted) events.get(1).typedData().orElseThrow();
            assertThat(completed.item().kind()).isEqualTo(Item.Kind.TOOL_RESULT);
            assertThat(completed.item().parentId()).isEqualTo("msg_1_3");
            assertThat(completed.item().content()).containsExactly(
                    new ContentPart.ToolResult("call_1_1", "bash ran with ls"));

            assertThat(events.get(2).typedData()).as("a type this version does not know").isEmpty();
            assertThatThrownBy(() -> events.get(0).data(EventData.ItemDelta.class))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("turn.ended");
            assertThatThrownBy(() -> events.get(3).typedData())
                    .as("item.delta without its delta").isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static String envelope(long sequence, String type, String data) {
        return "{\"event_id\":\"evt_" + sequence + "\",\"sequence\":" + sequence
                + ",\"time\":\"2026-01-01T00:00:00Z\",\"session_id\":\"s\",\"source\":\"agent\",\"synthetic\":false,"
                + "\"type\":\"" + type + "\",\"data\":" + data + "}";
    }
}
