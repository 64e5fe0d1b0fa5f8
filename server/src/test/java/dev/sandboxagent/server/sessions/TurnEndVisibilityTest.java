package dev.sandboxagent.server.sessions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.agents.AgentEvent;
import dev.sandboxagent.schema.EventData.TurnEnded;
import dev.sandboxagent.store.EventDraft;
import dev.sandboxagent.store.SessionSpec;
import dev.sandboxagent.store.SessionStore;
import dev.sandboxagent.store.UniversalEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
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
            List<Thread> clients = new CopyOnWriteArrayList<>();
            DelegatingStore quickWriter = new DelegatingStore(sqlite) {
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
            for (Thread client : clients) {
                client.join(Duration.ofMinutes(1).toMillis());
            }

            assertThat(seenByClient.get()).as("running turn as a client that saw turn.ended sees it").isNull();
            live.startTurn("turn_2", "echo again"); // not busy
            assertThat(live.runningTurnId()).isEqualTo("turn_2");
        }
    }
}
