package dev.sandboxagent.server.sessions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.agents.AgentEvent;
import dev.sandboxagent.agents.AgentProcess;
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
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that has seen a turn's {@code turn.ended} on SSE may start the next turn at once. The store's writer
 * completes an append and then hands its events to SSE; here it is as quick as it can be: the append of
 * {@code turn.ended} is stored, and a client asks whether the session is busy, before the append returns to the
 * session (a real SQLite store underneath, its append waited for).
 */
class TurnEndVisibilityTest {
    @TempDir
    Path dataDir;

    @Test
    void aTurnWhoseEndIsStoredBeforeItsAppendReturnsIsNotRunning() throws Exception {
        try (SessionStore sqlite = SessionStore.openSqlite(dataDir)) {
            sqlite.create(new SessionSpec("s", "mock", "build", "default", null, null, "/", null));
            AtomicReference<LiveSession> session = new AtomicReference<>();
            AtomicReference<String> seenByClient = new AtomicReference<>("not asked");
            Delegating quickWriter = new Delegating(sqlite) {
                @Override
                public CompletableFuture<List<UniversalEvent>> append(String id, List<EventDraft> drafts) {
                    CompletableFuture<List<UniversalEvent>> stored = sqlite.append(id, drafts);
                    if (drafts.stream().anyMatch(d -> d.type().equals("turn.ended"))) {
                        stored.join(); // committed: SSE has it now, and the client answers with a message
                        Thread client = new Thread(() -> seenByClient.set(session.get().runningTurnId()));
                        client.start();
                        // Until the client has its answer or waits for the session (which has the right one).
                        while (client.isAlive() && client.getState() != Thread.State.BLOCKED) {
                            Thread.onSpinWait();
                        }
                        clients.add(client);
                    }
                    return stored;
                }
            };
            LiveSession live = new LiveSession("s", quickWriter, null, ended -> { }, (id, text) -> { });
            session.set(live);
            live.attach(new IdleAgent());
            live.startTurn("turn_1", "echo hi");

            live.onEvent(new AgentEvent(TurnEnded.of("turn_1", "completed"), null, null, false));
            for (Thread client : quickWriter.clients) {
                client.join(Duration.ofMinutes(1).toMillis());
            }

            assertThat(seenByClient.get()).as("running turn as a client that saw turn.ended sees it").isNull();
            live.startTurn("turn_2", "echo again"); // not busy
            assertThat(live.runningTurnId()).isEqualTo("turn_2");
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

    private static class Delegating implements SessionStore {
        final SessionStore store;
        final List<Thread> clients = new java.util.concurrent.CopyOnWriteArrayList<>();

        Delegating(SessionStore store) { this.store = store; }

        @Override public SessionRecord create(SessionSpec spec) { return store.create(spec); }
        @Override public Optional<SessionRecord> get(String id) { return store.get(id); }
        @Override public List<SessionRecord> list() { return store.list(); }
        @Override public void setState(String id, SessionState state) { store.setState(id, state); }
        @Override public void setNativeSessionId(String id, String nativeId) { store.setNativeSessionId(id, nativeId); }
        @Override public boolean delete(String id) { return store.delete(id); }
        @Override public CompletableFuture<List<UniversalEvent>> append(String id, List<EventDraft> drafts) {
            return store.append(id, drafts);
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
