package dev.sandboxagent.server.sessions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.agents.AgentEvent;
import dev.sandboxagent.schema.EventData.ItemDelta;
import dev.sandboxagent.schema.EventData.TurnEnded;
import dev.sandboxagent.store.EventDraft;
import dev.sandboxagent.store.SessionSpec;
import dev.sandboxagent.store.SessionStore;
import dev.sandboxagent.store.UniversalEvent;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The events an agent gave together (the lines of one read of its output: a mock turn's reply) are stored with one
 * append, so one commit and one delivery to each stream, in order, and the turn ends once that append is stored
 * (a real SQLite store underneath).
 */
class AgentOutputAppendTest {
    @TempDir
    Path dataDir;

    @Test
    void theEventsOfOneReadAreOneAppendAndTheTurnEndsWhenItIsStored() throws Exception {
        try (SessionStore sqlite = SessionStore.openSqlite(dataDir)) {
            sqlite.create(new SessionSpec("s", "mock", "build", "default", null, null, "/", null));
            Counting store = new Counting(sqlite);
            LiveSession live = new LiveSession("s", store, null, ended -> { }, (id, text) -> { });
            live.attach(new IdleAgent());
            live.startTurn("turn_1", "echo hi");
            store.appends.clear();

            live.onEvents(List.of(
                    new AgentEvent(new ItemDelta("msg_1", "echo "), null, null, false),
                    new AgentEvent(new ItemDelta("msg_1", "hi"), null, null, false),
                    new AgentEvent(TurnEnded.of("turn_1", "completed"), null, null, false)));

            assertThat(store.appends).as("appends for the events of one read").hasSize(1);
            List<UniversalEvent> stored = store.appends.get(0).join();
            List<String> types = stored.stream().map(UniversalEvent::type).toList();
            assertThat(types).last().isEqualTo("turn.ended");
            assertThat(types).containsSubsequence("item.delta", "item.delta", "turn.ended");
            assertThat(sqlite.read("s", 0, 100).stream().map(UniversalEvent::type).toList())
                    .endsWith(types.toArray(String[]::new));
            assertThat(live.runningTurnId()).as("running turn once its end is stored").isNull();
            live.startTurn("turn_2", "again"); // not busy
        }
    }

    /** The real store, with each append's future kept. */
    private static final class Counting extends DelegatingStore {
        final List<CompletableFuture<List<UniversalEvent>>> appends = new CopyOnWriteArrayList<>();

        Counting(SessionStore store) { super(store); }

        @Override public CompletableFuture<List<UniversalEvent>> append(String id, List<EventDraft> drafts) {
            CompletableFuture<List<UniversalEvent>> stored = store.append(id, drafts);
            appends.add(stored);
            return stored;
        }
    }
}
