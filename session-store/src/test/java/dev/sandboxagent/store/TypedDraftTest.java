package dev.sandboxagent.store;

import static dev.sandboxagent.store.StoreTesting.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drafts whose data writes itself ({@link EventDraft.TypedData}) are written by the store's writer thread, not by
 * the caller: what they write is the event's data, and one that cannot be written fails its own append, never the
 * writer (which serves every session).
 */
class TypedDraftTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    @Test
    void typedDataIsWrittenAsTheEventsDataWithTheSameBytesAsItsTree() throws Exception {
        JsonNode tree = JSON.readTree("{\"item_id\":\"m1\",\"delta\":\"h\u00e9\\n\"}");
        try (SessionStore store = SessionStore.openSqlite(dataDir)) {
            store.create(spec("typed"));
            store.create(spec("tree"));
            store.append("typed", List.of(new EventDraft("item.delta", "agent", false, null, null, "n",
                    new Writes(tree)))).join();
            store.append("tree", List.of(new EventDraft("item.delta", "agent", false, tree, null, "n"))).join();
            UniversalEvent typed = store.read("typed", 0, 1).get(0);
            UniversalEvent fromTree = store.read("tree", 0, 1).get(0);
            assertThat(typed.data()).isEqualTo(tree);
            String typedJson = new String(typed.encoded(), java.nio.charset.StandardCharsets.UTF_8);
            String treeJson = new String(fromTree.encoded(), java.nio.charset.StandardCharsets.UTF_8);
            // Identical but for the fields the store assigns.
            assertThat(withoutAssigned(typedJson)).isEqualTo(withoutAssigned(treeJson));
        }
    }

    @Test
    void typedDataThatCannotBeWrittenFailsItsAppendAndTheWriterGoesOn() throws Exception {
        try (SessionStore store = SessionStore.openSqlite(dataDir)) {
            store.create(spec("s"));
            EventDraft broken = new EventDraft("item.delta", "agent", false, null, null, null, new Broken());
            assertThatThrownBy(() -> store.append("s", List.of(broken)).join())
                    .isInstanceOf(CompletionException.class).hasCauseInstanceOf(StoreException.class);
            // The writer still serves appends, and nothing of the broken one was numbered.
            List<UniversalEvent> stored = store.append("s", List.of(EventDraft.daemon("turn.ended",
                    JSON.readTree("{\"reason\":\"done\"}")))).join();
            assertThat(stored).extracting(UniversalEvent::sequence).containsExactly(1L);
            // ... and nothing the broken one began to write is part of the next event's bytes.
            assertThat(new String(stored.get(0).encoded(), java.nio.charset.StandardCharsets.UTF_8))
                    .isEqualTo(OldFormat.encode(stored.get(0).eventId(), 1, stored.get(0).time(), "s", null,
                            "daemon", true, "turn.ended", JSON.readTree("{\"reason\":\"done\"}"), null));
        }
    }

    private static String withoutAssigned(String json) throws Exception {
        var event = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(json);
        event.remove(List.of("event_id", "time", "session_id"));
        return event.toString();
    }

    /** Writes a fixed tree, as a record would write itself. */
    private record Writes(JsonNode tree) implements EventDraft.TypedData {
        @Override
        public void writeTo(JsonGenerator out) throws java.io.IOException {
            JSON.writeTree(out, tree);
        }

        @Override
        public JsonNode toTree() {
            return tree;
        }
    }

    /** Fails the way a serializer's bug would: not with a JSON error. */
    private record Broken() implements EventDraft.TypedData {
        @Override
        public void writeTo(JsonGenerator out) {
            throw new IllegalStateException("a serializer's bug");
        }

        @Override
        public JsonNode toTree() {
            throw new IllegalStateException("a serializer's bug");
        }
    }
}
