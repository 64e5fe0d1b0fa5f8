package dev.sandboxagent.server.sessions;

import dev.sandboxagent.schema.ContentPart;
import dev.sandboxagent.schema.EventData.ItemCompleted;
import dev.sandboxagent.schema.EventData.ItemDelta;
import dev.sandboxagent.schema.EventData.ItemStarted;
import dev.sandboxagent.schema.EventData.TurnEnded;
import dev.sandboxagent.schema.Item;
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
    /** Items started and not completed yet. */
    private final Set<String> started = new HashSet<>();
    /** Of those, the ones that had a delta. */
    private final Set<String> streamed = new HashSet<>();

    /**
     * The draft, preceded by what its item is missing; unchanged for any other event. Every draft the session
     * makes carries its record ({@link TypedData}), so the item is read from the record, never from a tree; a
     * draft without one passes unchanged.
     */
    List<EventDraft> expand(EventDraft draft) {
        dev.sandboxagent.schema.EventData record = TypedData.of(draft);
        return record == null ? List.of(draft) : expandTyped(draft, record);
    }

    private List<EventDraft> expandTyped(EventDraft draft, dev.sandboxagent.schema.EventData record) {
        if (record instanceof ItemStarted itemStarted) {
            started.add(itemStarted.item().itemId());
        } else if (record instanceof ItemDelta delta) {
            String id = delta.itemId();
            streamed.add(id);
            if (started.add(id)) {
                // Deltas come only for messages: start one, so the delta has an item to go to.
                Item item = new Item(id, null, Item.Kind.MESSAGE, Item.Role.ASSISTANT, Item.Status.IN_PROGRESS,
                        List.of(), null);
                return List.of(synthetic(draft, new ItemStarted(item)), draft);
            }
        } else if (record instanceof ItemCompleted completed) {
            Item item = completed.item();
            boolean wasStarted = started.remove(item.itemId());
            boolean hadDelta = streamed.remove(item.itemId());
            String text = hadDelta || !isAssistantMessage(item) ? "" : text(item);
            boolean addDelta = !text.isEmpty();
            List<EventDraft> out = new ArrayList<>(3);
            if (!wasStarted) {
                Item startedItem = new Item(item.itemId(), item.nativeItemId(), item.kind(), item.role(),
                        Item.Status.IN_PROGRESS, addDelta ? List.of() : item.content(), item.parentId());
                out.add(synthetic(draft, new ItemStarted(startedItem)));
            }
            if (addDelta) {
                out.add(synthetic(draft, new ItemDelta(item.itemId(), text)));
            }
            out.add(draft);
            return out;
        } else if (record instanceof TurnEnded) {
            turnEnded();
        }
        return List.of(draft);
    }

    /** Items do not outlive their turn: what is still open was cut short and never completes. */
    private void turnEnded() {
        started.clear();
        streamed.clear();
    }

    private static boolean isAssistantMessage(Item item) {
        return item.kind() == Item.Kind.MESSAGE && item.role() == Item.Role.ASSISTANT;
    }

    /** The message's text: its text and reasoning parts, in order. */
    private static String text(Item item) {
        StringBuilder text = new StringBuilder();
        for (ContentPart part : item.content()) {
            if (part instanceof ContentPart.Text t) {
                text.append(t.text() == null ? "" : t.text());
            } else if (part instanceof ContentPart.Reasoning r) {
                text.append(r.text() == null ? "" : r.text());
            }
        }
        return text.toString();
    }

    private static EventDraft synthetic(EventDraft of, dev.sandboxagent.schema.EventData data) {
        return TypedData.draft(data, of.source(), true, null, of.nativeSessionId());
    }
}
