package dev.sandboxagent.server.sessions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.agents.AgentEvent;
import dev.sandboxagent.agents.AgentProcess;
import dev.sandboxagent.schema.EventData.ItemDelta;
import dev.sandboxagent.schema.EventData.TurnEnded;
import dev.sandboxagent.store.EventDraft;
import dev.sandboxagent.store.SessionRecord;
import dev.sandboxagent.store.SessionSpec;
import dev.sandboxagent.store.SessionState;
import dev.sandboxagent.store.SessionStore;
import dev.sandboxagent.store.UniversalEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
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

    /** An agent that takes messages and does nothing with them: the test reports its events itself. */
    private static final class IdleAgent implements AgentProcess {
        @Override public String nativeSessionId() { return null; }
        @Override public long pid() { return -1; }
        @Override public boolean isAlive() { return true; }
        @Override public void startTurn(String turnId, String message) { }
        @Override public CompletableFuture<Void> replyPermission(String permissionId, String reply) {
            return CompletableFuture.completedFuture(null);
        }
        @Override public CompletableFuture<Void> replyQuestion(String questionId, List<List<String>> answers) {
            return CompletableFuture.completedFuture(null);
        }
        @Override public CompletableFuture<Void> rejectQuestion(String questionId) {
            return CompletableFuture.completedFuture(null);
        }
        @Override public void interrupt() { }
        @Override public void terminate(Duration grace) { }
    }

    /** The real store, with each append's future kept. */
    private static final class Counting implements SessionStore {
        final SessionStore store;
        final List<CompletableFuture<List<UniversalEvent>>> appends = new CopyOnWriteArrayList<>();

        Counting(SessionStore store) { this.store = store; }

        @Override public SessionRecord create(SessionSpec spec) { return store.create(spec); }
        @Override public Optional<SessionRecord> get(String id) { return store.get(id); }
        @Override public List<SessionRecord> list() { return store.list(); }
        @Override public void setState(String id, SessionState state) { store.setState(id, state); }
        @Override public void setNativeSessionId(String id, String nativeId) { store.setNativeSessionId(id, nativeId); }
        @Override public boolean delete(String id) { return store.delete(id); }
        @Override public CompletableFuture<List<UniversalEvent>> append(String id, List<EventDraft> drafts) {
            CompletableFuture<List<UniversalEvent>> stored = store.append(id, drafts);
            appends.add(stored);
            return stored;
        }
        @Override public CompletableFuture<List<UniversalEvent>> appendEssential(String id, List<EventDraft> drafts) {
            return store.appendEssential(id, drafts);
        }
        @Override public boolean diskFull() { return store.diskFull(); }
        @Override public Optional<String> corruption() { return store.corruption(); }
        @Override public List<UniversalEvent> read(String id, long after, int limit) {
            return store.read(id, after, limit);
        }
        @Override public Optional<UniversalEvent> lastOfTypes(String id, Set<String> types) {
            return store.lastOfTypes(id, types);
        }
        @Override public void onCommit(Consumer<List<UniversalEvent>> listener) { store.onCommit(listener); }
        @Override public Optional<String> putIdempotencyKeyIfAbsent(String scope, String key, String value) {
            return store.putIdempotencyKeyIfAbsent(scope, key, value);
        }
        @Override public Optional<String> idempotencyKey(String scope, String key) {
            return store.idempotencyKey(scope, key);
        }
        @Override public void close() { }
    }
}
