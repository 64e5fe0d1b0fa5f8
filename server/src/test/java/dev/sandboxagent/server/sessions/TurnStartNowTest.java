package dev.sandboxagent.server.sessions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.sandboxagent.agents.AgentEvent;
import dev.sandboxagent.schema.EventData.ItemDelta;
import dev.sandboxagent.store.EventDraft;
import dev.sandboxagent.store.SessionSpec;
import dev.sandboxagent.store.SessionStore;
import dev.sandboxagent.store.UniversalEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LiveSession#startTurnNow}, the event loop's turn start: it starts the turn on the calling thread when
 * nothing has to be waited for, refuses a busy session at once, and otherwise returns empty at once with nothing
 * stored, the session idle and the agent told nothing, so that the waiting path can start the turn after it (a
 * real SQLite store underneath; every "at once" is bounded by a timeout that a wait could never meet).
 */
class TurnStartNowTest {
    private static final Duration NO_WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dataDir;
    SessionStore sqlite;
    /** The store, with appends that can be held (an agent's reader waiting for room in the store's queue). */
    HeldAppends store;
    RecordingAgent agent;
    LiveSession live;
    /** The thread each commit's listeners ran on. */
    final List<String> committedOn = new CopyOnWriteArrayList<>();
    /** Lets a held writer go: also at the end, so that a failed case cannot leave the store's close waiting. */
    final CountDownLatch writerRelease = new CountDownLatch(1);

    @BeforeEach
    void open() {
        sqlite = SessionStore.openSqlite(dataDir);
        sqlite.create(new SessionSpec("s", "mock", "build", "default", null, null, "/", null));
        sqlite.create(new SessionSpec("other", "mock", "build", "default", null, null, "/", null));
        sqlite.onCommit(batch -> committedOn.add(Thread.currentThread().getName()));
        store = new HeldAppends(sqlite);
        agent = new RecordingAgent();
        live = new LiveSession("s", store, null, ended -> { }, (id, text) -> { });
        live.attach(agent);
    }

    @AfterEach
    void close() {
        store.release.countDown();
        writerRelease.countDown();
        sqlite.close();
    }

    @Test
    void anIdleSessionStartsItsTurnOnTheCallingThread() {
        awaitWriterIdle();

        String[] caller = new String[1];
        Optional<List<UniversalEvent>> first = assertTimeoutPreemptively(NO_WAIT, () -> {
            caller[0] = Thread.currentThread().getName();
            return live.startTurnNow("turn_1", "echo hi");
        });

        assertThat(first).isPresent();
        assertThat(first.get()).extracting(UniversalEvent::type)
                .containsExactly("turn.started", "item.started", "item.completed");
        assertThat(committedOn).as("the commit's listeners ran on the caller's thread").containsExactly(caller[0]);
        assertThat(agent.messages).containsExactly("turn_1: echo hi");
        assertThat(agent.startedOn).containsExactly(caller[0]);
        assertThat(live.runningTurnId()).isEqualTo("turn_1");
        assertThat(sqlite.read("s", 0, 100)).extracting(UniversalEvent::sequence).containsExactly(1L, 2L, 3L);
    }

    @Test
    void aSessionRunningATurnIsRefusedAsBusyAtOnce() {
        live.startTurn("turn_1", "first");

        assertThatThrownBy(() -> assertTimeoutPreemptively(NO_WAIT, () -> live.startTurnNow("turn_2", "second")))
                .isInstanceOf(SessionException.class)
                .hasMessageContaining("turn_1");
        assertThat(sqlite.read("s", 0, 100)).hasSize(3);
        assertThat(agent.messages).containsExactly("turn_1: first");
    }

    @Test
    void whileTheAgentsReaderHoldsTheSessionNothingIsWaitedForOrStored() throws Exception {
        // The reader appends an event of the agent's and waits for room in the store's queue, holding the session.
        store.hold = true;
        CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> live.onEvents(List.of(
                new AgentEvent(new ItemDelta("msg_1", "late"), null, null, false))));
        assertThat(store.held.await(30, TimeUnit.SECONDS)).isTrue();

        Optional<List<UniversalEvent>> first = assertTimeoutPreemptively(NO_WAIT,
                () -> live.startTurnNow("turn_1", "echo hi"));

        assertThat(first).isEmpty();
        assertThat(live.runningTurnId()).isNull();
        assertThat(agent.messages).isEmpty();
        store.release.countDown();
        reader.get(30, TimeUnit.SECONDS);
        live.startTurn("turn_1", "echo hi"); // the waiting path, after the reader
        assertThat(sqlite.read("s", 0, 100)).extracting(UniversalEvent::type)
                .containsExactly("item.started", "item.delta", "turn.started", "item.started", "item.completed");
    }

    @Test
    void whileTheStoresWriterIsBusyNothingIsStoredAndTheWaitingPathStartsTheTurn() throws Exception {
        CountDownLatch inListener = new CountDownLatch(1);
        sqlite.onCommit(batch -> {
            if (batch.get(0).sessionId().equals("other")) {
                inListener.countDown();
                await(writerRelease); // the committing thread holds the writer's role until the test lets it go
            }
        });
        CompletableFuture<List<UniversalEvent>> other = CompletableFuture.supplyAsync(() -> sqlite.append("other",
                List.of(EventData.turnStarted("turn_x")))).thenCompose(f -> f);
        assertThat(inListener.await(30, TimeUnit.SECONDS)).isTrue();

        Optional<List<UniversalEvent>> first = assertTimeoutPreemptively(NO_WAIT,
                () -> live.startTurnNow("turn_1", "echo hi"));

        assertThat(first).isEmpty();
        assertThat(live.runningTurnId()).isNull();
        assertThat(agent.messages).isEmpty();
        writerRelease.countDown();
        other.get(30, TimeUnit.SECONDS);
        List<UniversalEvent> started = live.startTurn("turn_1", "echo hi");
        assertThat(started).extracting(UniversalEvent::sequence).containsExactly(1L, 2L, 3L);
        assertThat(agent.messages).containsExactly("turn_1: echo hi");
    }

    /** The writer thread parked with nothing to do (nothing else writes in these tests once it is). */
    private static void awaitWriterIdle() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("session-store-writer") && t.getState() == Thread.State.WAITING)) {
            assertThat(System.nanoTime()).as("the store's writer parked").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The real store; while {@link #hold} is set, an append waits until the test releases it. */
    private static final class HeldAppends extends DelegatingStore {
        volatile boolean hold;
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        HeldAppends(SessionStore store) { super(store); }

        @Override public CompletableFuture<List<UniversalEvent>> append(String id, List<EventDraft> drafts) {
            if (hold) {
                held.countDown();
                await(release);
            }
            return store.append(id, drafts);
        }

        @Override public Optional<List<UniversalEvent>> appendNow(String id, List<EventDraft> drafts) {
            return store.appendNow(id, drafts);
        }
    }

    /** An agent that records the messages it is given, and on which thread. */
    private static final class RecordingAgent extends IdleAgent {
        final List<String> messages = new CopyOnWriteArrayList<>();
        final List<String> startedOn = new CopyOnWriteArrayList<>();

        @Override public void startTurn(String turnId, String message) {
            messages.add(turnId + ": " + message);
            startedOn.add(Thread.currentThread().getName());
        }
    }
}
