package dev.sandboxagent.store;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Objects;

/**
 * An event before the store has accepted it: everything but the sequence, id and time.
 *
 * <p>Its {@code data} comes either as a JSON tree ({@code data}) or as typed data the store writes straight into
 * the event's bytes ({@code typed}): the server's and the adapters' events are records, and turning each into a
 * tree only for the store to encode the tree again cost a serialization and a parse per event.
 *
 * @param source "agent" (parsed from the agent's output) or "daemon" (made by the server)
 * @param synthetic true when the server made the event up on the agent's behalf
 * @param data the data as a tree, or null when {@code typed} carries it
 * @param typed the data as something that writes itself, or null when {@code data} carries it
 */
public record EventDraft(String type, String source, boolean synthetic, JsonNode data, JsonNode raw,
                         String nativeSessionId, TypedData typed) {
    public EventDraft {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(source, "source");
        if ((data == null) == (typed == null)) {
            throw new IllegalArgumentException("an event draft has its data as a tree or as typed data, not both");
        }
    }

    public EventDraft(String type, String source, boolean synthetic, JsonNode data, JsonNode raw,
                      String nativeSessionId) {
        this(type, source, synthetic, Objects.requireNonNull(data, "data"), raw, nativeSessionId, null);
    }

    public static EventDraft daemon(String type, JsonNode data) {
        return new EventDraft(type, "daemon", true, data, null, null);
    }

    /** The data as a tree: built from {@code typed} on each call when that carries it (not for hot paths). */
    @Override
    public JsonNode data() {
        return data != null ? data : typed.toTree();
    }

    /** Data that writes itself as the event's {@code data} value: the same JSON as {@link #toTree()}. */
    public interface TypedData {
        /** Writes the data as one JSON value. */
        void writeTo(JsonGenerator out) throws IOException;

        /** The same data as a tree. */
        JsonNode toTree();
    }
}
