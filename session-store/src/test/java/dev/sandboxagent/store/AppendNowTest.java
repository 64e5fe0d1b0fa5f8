package dev.sandboxagent.store;

import static dev.sandboxagent.store.StoreTesting.awaitUntil;
import static dev.sandboxagent.store.StoreTesting.numbered;
import static dev.sandboxagent.store.StoreTesting.oneTo;
import static dev.sandboxagent.store.StoreTesting.readAll;
import static dev.sandboxagent.store.StoreTesting.sequences;
import static dev.sandboxagent.store.StoreTesting.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SessionStore#appendNow}: committed on the calling thread when nothing has to be waited for, and otherwise
 * nothing stored and nothing waited for. As in {@link CommitOnAppendingThreadTest}, no case depends on timing: the
 * writer is either seen parked with nothing queued, or held busy by a listener that waits for the test.
 */
class AppendNowTest {
    /** Far longer than any answer that does not wait; a wait for the held writer would never end. */
    private static final Duration NO_WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dataDir;
    SessionStore store;
    /** Which thread each committed event (by its data's counter) reached the listeners on. */
    final Map<Integer, String> committedOn = new ConcurrentHashMap<>();
    /** Lets a held writer go: also at the end, so that a failed case cannot leave the store's close waiting. */
    final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void open() {
        store = SessionStore.openSqlite(dataDir);
        store.create(spec("s"));
        store.onCommit(batch -> batch.forEach(event -> committedOn.put(
                event.data().get("counter").asInt(), Thread.currentThread().getName())));
    }

    @AfterEach
    void close() {
        release.countDown();
        store.close();
    }

    @Test
    void whileTheWriterIsIdleTheDraftsAreCommittedOnTheCallingThreadBeforeItReturns() throws Exception {
        store.append("s", numbered("p", 1, 2)).get(30, TimeUnit.SECONDS);
        awaitWriterIdle();

        Optional<List<UniversalEvent>> stored = store.appendNow("s", numbered("p", 3, 3));

        assertThat(stored).isPresent();
        assertThat(stored.get()).extracting(UniversalEvent::sequence).containsExactly(3L, 4L, 5L);
        assertThat(committedOn.get(3)).as("listeners ran before appendNow returned, on its thread")
                .isEqualTo(Thread.currentThread().getName());
        assertThat(sequences(readAll(store, "s"))).isEqualTo(oneTo(5));
    }

    @Test
    void whileTheWriterIsBusyNothingIsStoredOrWaitedForAndNoSequenceIsUsedUp() throws Exception {
        CountDownLatch inListener = new CountDownLatch(1);
        store.onCommit(batch -> {
            if (batch.get(0).data().get("counter").asInt() == 1) {
                inListener.countDown();
                await(release); // the committing thread holds the writer's role until the test lets it go
            }
        });
        CompletableFuture<List<UniversalEvent>> first = CompletableFuture.supplyAsync(
                () -> store.append("s", List.of(numbered("p", 1)))).thenCompose(f -> f);
        assertThat(inListener.await(30, TimeUnit.SECONDS)).isTrue();

        Optional<List<UniversalEvent>> refused = assertTimeoutPreemptively(NO_WAIT,
                () -> store.appendNow("s", List.of(numbered("p", 2))));

        assertThat(refused).isEmpty();
        release.countDown();
        assertThat(first.get(30, TimeUnit.SECONDS)).extracting(UniversalEvent::sequence).containsExactly(1L);
        store.append("s", List.of(numbered("p", 3))).get(30, TimeUnit.SECONDS);
        List<UniversalEvent> all = readAll(store, "s");
        assertThat(sequences(all)).isEqualTo(oneTo(2));
        assertThat(all).extracting(e -> e.data().get("counter").asInt()).containsExactly(1, 3);
    }

    @Test
    void anUnknownSessionIsRefusedAsByAppend() {
        assertThatThrownBy(() -> store.appendNow("nobody", List.of(numbered("p", 1))))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("nobody");
    }

    /** The writer thread parked with nothing to do (nothing else writes in these tests once it is). */
    private static void awaitWriterIdle() {
        awaitUntil("the store's writer is idle", () -> Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("session-store-writer") && t.getState() == Thread.State.WAITING),
                () -> "writer not parked");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
