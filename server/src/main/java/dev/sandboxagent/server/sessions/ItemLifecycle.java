package dev.sandboxagent.server.sessions;

import static dev.sandboxagent.schema.EventType.ITEM_DELTA;
import static dev.sandboxagent.schema.EventType.ITEM_STARTED;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sandboxagent.schema.EventType;
import dev.sandboxagent.store.EventDraft;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Gives every item the lifecycle a client of the anchor relies on: {@code item.started}, then (for an assistant
 * message) at least one {@code item.delta}, then {@code item.completed}. Such clients create an item's bubble on
 * its start and append deltas to it, so an item that only completes (the user's message, a tool call or result,
 * a status line, an assistant message an agent reports whole) would otherwise never show, or show empty.
 *
 * <p>Done here, in the one place where agent events (and the server's own items) become stored events, rather
 * than in each adapter: every agent, present and future, then keeps the promise, and the adapters keep reporting
 * what their agent actually said. The events made up here are {@code synthetic: true} and carry no {@code raw}
 * (the agent's line belongs to the event it produced).
 *
 * <p>Not thread-safe: the owning {@link LiveSession} calls it under its lock, in the order events are appended.
 */
final class ItemLifecycle {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** Items started and not completed yet. */
    private final Set<String> started = new HashSet<>();
    /** Of those, the ones that had a delta. */
    private final Set<String> streamed = new HashSet<>();

    /** The draft, preceded by what its item is missing; unchanged for any other event. */
    List<EventDraft> expand(EventDraft draft) {
        EventType type = EventType.fromWire(draft.type()).orElse(null);
        if (type == null) {
            return List.of(draft);
        }
        switch (type) {
            case ITEM_STARTED -> {
                started.add(itemId(draft.data().path("item")));
                return List.of(draft);
            }
            case ITEM_DELTA -> {
                String id = draft.data().path("item_id").asText();
                streamed.add(id);
                if (started.add(id)) {
                    // Deltas come only for messages: start one, so the delta has an item to go to.
                    ObjectNode item = JSON.objectNode().put("item_id", id).put("kind", "message")
                            .put("role", "assistant").put("status", "in_progress");
                    item.putArray("content");
                    return List.of(synthetic(draft, ITEM_STARTED, JSON.objectNode().set("item", item)), draft);
                }
                return List.of(draft);
            }
            case ITEM_COMPLETED -> {
                return completed(draft);
            }
            case TURN_ENDED -> {
                // Items do not outlive their turn: what is still open was cut short and never completes.
                started.clear();
                streamed.clear();
                return List.of(draft);
            }
            default -> {
                return List.of(draft);
            }
        }
    }

    private List<EventDraft> completed(EventDraft draft) {
        JsonNode item = draft.data().path("item");
        String id = itemId(item);
        boolean wasStarted = started.remove(id);
        boolean hadDelta = streamed.remove(id);
        String text = hadDelta || !isAssistantMessage(item) ? "" : text(item);
        boolean addDelta = !text.isEmpty();
        List<EventDraft> out = new ArrayList<>(3);
        if (!wasStarted) {
            ObjectNode startedItem = item.deepCopy();
            startedItem.put("status", "in_progress");
            if (addDelta) {
                startedItem.putArray("content"); // the delta brings the text, as for a streamed message
            }
            out.add(synthetic(draft, ITEM_STARTED, JSON.objectNode().set("item", startedItem)));
        }
        if (addDelta) {
            out.add(synthetic(draft, ITEM_DELTA, JSON.objectNode().put("item_id", id).put("delta", text)));
        }
        out.add(draft);
        return out;
    }

    private static boolean isAssistantMessage(JsonNode item) {
        return item.path("kind").asText().equals("message") && item.path("role").asText().equals("assistant");
    }

    /** The message's text: its text and reasoning parts, in order. */
    private static String text(JsonNode item) {
        StringBuilder text = new StringBuilder();
        for (JsonNode part : item.path("content")) {
            String type = part.path("type").asText();
            if (type.equals("text") || type.equals("reasoning")) {
                text.append(part.path("text").asText(""));
            }
        }
        return text.toString();
    }

    private static String itemId(JsonNode item) {
        return item.path("item_id").asText();
    }

    private static EventDraft synthetic(EventDraft of, EventType type, ObjectNode data) {
        return new EventDraft(type.wire(), of.source(), true, data, null, of.nativeSessionId());
    }
}
