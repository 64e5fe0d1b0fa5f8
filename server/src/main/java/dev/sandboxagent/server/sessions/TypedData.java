package dev.sandboxagent.server.sessions;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.schema.EventCodec;
import dev.sandboxagent.schema.EventData;
import dev.sandboxagent.store.EventDraft;
import java.io.IOException;
import java.util.Objects;

/**
 * An event's data as its event-schema record, handed to the store as is: the store's writer encodes it straight
 * into the event's bytes ({@link EventCodec#write}), so no JSON tree is built for it on the way.
 */
record TypedData(EventData record) implements EventDraft.TypedData {
    TypedData {
        Objects.requireNonNull(record, "record");
    }

    /** A draft of the event {@code record} stands for. */
    static EventDraft draft(EventData record, String source, boolean synthetic, JsonNode raw,
                            String nativeSessionId) {
        return new EventDraft(record.type().wire(), source, synthetic, null, raw, nativeSessionId,
                new TypedData(record));
    }

    /** The record of a draft made by {@link #draft}, or null for a draft that carries a tree. */
    static EventData of(EventDraft draft) {
        return draft.typed() instanceof TypedData typed ? typed.record() : null;
    }

    @Override
    public void writeTo(JsonGenerator out) throws IOException {
        EventCodec.write(out, record);
    }

    @Override
    public JsonNode toTree() {
        return EventCodec.toTree(record);
    }
}
