package dev.sandboxagent.server.sessions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandboxagent.agents.AgentEvent;
import dev.sandboxagent.schema.EventData.TurnEnded;
import dev.sandboxagent.store.EventDraft;
import dev.sandboxagent.store.SessionSpec;
import dev.sandboxagent.store.SessionStore;
import dev.sandboxagent.store.StoreException;
import dev.sandboxagent.store.UniversalEvent;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A message's 202 is posted from the commit that stores its turn's start (docs/benchmarks.md "Turn cost, session
 * 11"): after that commit's other listeners (the event hub's SSE frames), with the turn already running as clients
 * see it; never for a start the store refused. A real SQLite store underneath.
 */
class TurnAcceptedOnCommitTest {
    @TempDir
    Path dataDir;

    @Test
    void theActionRunsOnTheWriterAfterTheCommitsEarlierListeners() {
        try (SessionStore store = SessionStore.openSqlite(dataDir)) {
            store.create(spec("s"));
            List<String> seen = new CopyOnWriteArrayList<>();
            store.onCommit(events -> seen.add("hub:" + events.get(0).type())); // registered first, as the hub is
            AfterCommitListeners after = new AfterCommitListeners(store);
            for (int i = 0; i < 50; i++) {
                seen.clear();
                Runnable action = after.deferred(() -> seen.add("action:" + Thread.currentThread().getName()));
                CompletableFuture<List<UniversalEvent>> stored =
                        store.append("s", List.of(EventData.turnStarted("turn_" + i)));
                stored.thenRun(action);
                stored.join();
                awaitSize(seen, 2);
                // On the writer, after the hub; or at once on this thread when the commit was done before thenRun.
                if (!seen.contains("action:" + Thread.currentThread().getName())) {
                    assertThat(seen).as("round " + i)
                            .containsExactly("hub:turn.started", "action:session-store-writer");
                }
            }
        }
    }

    @Test
    void aTurnStartTellsItsListenerOnceStoredWithTheTurnAlreadyRunning() {
        try (SessionStore store = SessionStore.openSqlite(dataDir)) {
            store.create(spec("s"));
            List<String> order = new CopyOnWriteArrayList<>();
            LiveSession live = new LiveSession("s", store, null, ended -> { }, (id, text) -> { });
            live.attach(new IdleAgent() {
                @Override
                public void startTurn(String turnId, String message) {
                    order.add("agent got " + message);
                }
            });
            AtomicInteger told = new AtomicInteger();
            live.startTurn("turn_1", "hello", () -> {
                told.incrementAndGet();
                order.add("stored; running " + live.runningTurnId() + "; events "
                        + store.read("s", 0, 10).size());
            });
            assertThat(told).hasValue(1);
            // Whether before or after the agent has the message is not fixed: this thread goes on meanwhile.
            assertThat(order).containsExactlyInAnyOrder("stored; running turn_1; events 3", "agent got hello");
            assertThat(live.runningTurnId()).isEqualTo("turn_1");

            live.onEvent(new AgentEvent(TurnEnded.of("turn_1", "completed"), null, null, false));
            awaitNotRunning(live);
            live.startTurn("turn_2", "again", null); // no listener: as before
            assertThat(live.runningTurnId()).isEqualTo("turn_2");
        }
    }

    @Test
    void aTurnStartTheStoreRefusesTellsNobodyAndLeavesTheSessionIdle() {
        try (SessionStore sqlite = SessionStore.openSqlite(dataDir)) {
            sqlite.create(spec("s"));
            DelegatingStore refusing = new DelegatingStore(sqlite) {
                @Override
                public CompletableFuture<List<UniversalEvent>> append(String id, List<EventDraft> drafts) {
                    return CompletableFuture.failedFuture(new StoreException("disk full (test)"));
                }
            };
            LiveSession live = new LiveSession("s", refusing, null, ended -> { }, (id, text) -> { });
            List<String> agentGot = new CopyOnWriteArrayList<>();
            live.attach(new IdleAgent() {
                @Override
                public void startTurn(String turnId, String message) {
                    agentGot.add(message);
                }
            });
            AtomicInteger told = new AtomicInteger();
            assertThatThrownBy(() -> live.startTurn("turn_1", "hello", told::incrementAndGet))
                    .isInstanceOf(StoreException.class);
            assertThat(told).hasValue(0);
            assertThat(agentGot).isEmpty();
            assertThat(live.runningTurnId()).isNull();
        }
    }

    private static SessionSpec spec(String id) {
        return new SessionSpec(id, "mock", "build", "default", null, null, "/", null);
    }

    private static void awaitSize(List<String> list, int size) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (list.size() < size && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
    }

    private static void awaitNotRunning(LiveSession live) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (live.runningTurnId() != null && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(live.runningTurnId()).isNull();
    }
}
