package dev.sandboxagent.store;

import static dev.sandboxagent.store.StoreTesting.awaitUntil;
import static dev.sandboxagent.store.StoreTesting.numbered;
import static dev.sandboxagent.store.StoreTesting.oneTo;
import static dev.sandboxagent.store.StoreTesting.readAll;
import static dev.sandboxagent.store.StoreTesting.sequences;
import static dev.sandboxagent.store.StoreTesting.spec;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SessionStore#commitOnAppendingThreadWhen}: a small append on an allowed thread is committed on that thread
 * while the writer thread is idle, and handed to the writer thread otherwise. No test here depends on timing: the
 * writer is either seen parked with nothing queued, or held busy by a listener that waits for the test.
 */
class CommitOnAppendingThreadTest {
    @TempDir
    Path dataDir;
    SessionStore store;
    ExecutorService threads;
    /** Which thread each committed event (by its data's counter) reached the listeners on. */
    final Map<Integer, String> committedOn = new ConcurrentHashMap<>();

    @BeforeEach
    void open() {
        store = SessionStore.openSqlite(dataDir);
        store.create(spec("s"));
        store.commitOnAppendingThreadWhen(() -> Thread.currentThread().getName().startsWith("allowed"));
        store.onCommit(batch -> batch.forEach(event -> committedOn.put(
                event.data().get("counter").asInt(), Thread.currentThread().getName())));
        threads = Executors.newCachedThreadPool(task -> new Thread(task, "allowed-" + task.hashCode()));
    }

    @AfterEach
    void close() throws InterruptedException {
        threads.shutdownNow();
        assertThat(threads.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        store.close();
    }

    @Test
    void aSmallAppendOnAnAllowedThreadIsCommittedThereWhileTheWriterIsIdle() throws Exception {
        awaitWriterIdle();
        CompletableFuture<List<UniversalEvent>> appended = threads.submit(() -> {
            CompletableFuture<List<UniversalEvent>> result = store.append("s", List.of(numbered("p", 1)));
            assertThat(result).isDone(); // committed before append returned
            return result;
        }).get(30, TimeUnit.SECONDS);

        assertThat(appended.join()).extracting(UniversalEvent::sequence).containsExactly(1L);
        assertThat(committedOn.get(1)).startsWith("allowed");
        assertThat(sequences(readAll(store, "s"))).containsExactly(1L);
    }

    @Test
    void appendsOfOtherThreadsAndLargeAppendsAreLeftToTheWriterThread() throws Exception {
        awaitWriterIdle();
        store.append("s", List.of(numbered("p", 1))).get(30, TimeUnit.SECONDS); // the test's own thread: not allowed
        awaitWriterIdle();
        threads.submit(() -> store.append("s", numbered("p", 2, 9))).get(30, TimeUnit.SECONDS) // 9 drafts: too many
                .get(30, TimeUnit.SECONDS);

        assertThat(listenedOn(1)).isEqualTo("session-store-writer");
        assertThat(listenedOn(2)).isEqualTo("session-store-writer");
        assertThat(sequences(readAll(store, "s"))).isEqualTo(oneTo(10));
    }

    @Test
    void anAppendWhileTheWriterIsBusyIsQueuedForItAndCommittedAfterWhatCameBefore() throws Exception {
        CountDownLatch inListener = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        store.onCommit(batch -> {
            if (batch.get(0).data().get("counter").asInt() == 1) {
                inListener.countDown();
                await(release); // the writer holds its role until the test lets it go
            }
        });
        CompletableFuture<List<UniversalEvent>> first = store.append("s", List.of(numbered("p", 1)));
        assertThat(inListener.await(30, TimeUnit.SECONDS)).isTrue();

        // Must return while the writer is busy (not wait for it, not commit ahead of it).
        CompletableFuture<List<UniversalEvent>> second = threads.submit(
                () -> store.append("s", List.of(numbered("p", 2)))).get(30, TimeUnit.SECONDS);
        assertThat(second).isNotDone();

        release.countDown();
        assertThat(first.get(30, TimeUnit.SECONDS)).extracting(UniversalEvent::sequence).containsExactly(1L);
        assertThat(second.get(30, TimeUnit.SECONDS)).extracting(UniversalEvent::sequence).containsExactly(2L);
        assertThat(listenedOn(2)).isEqualTo("session-store-writer");
    }

    /** Allowed threads and the writer thread committing side by side: each session's log is gap-free, in order. */
    @Test
    void manyAllowedProducersKeepEachSessionGapFreeAndInTheirOrder() throws Exception {
        int producers = 8;
        int appends = 300;
        for (int p = 0; p < producers; p++) {
            store.create(spec("p" + p));
        }
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> running = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            String session = "p" + p;
            running.add(threads.submit(() -> {
                start.await();
                List<CompletableFuture<List<UniversalEvent>>> all = new ArrayList<>();
                for (int i = 1; i <= appends; i++) {
                    // mostly single events (committed here when the writer is idle), every tenth a large one
                    all.add(store.append(session, i % 10 == 0 ? numbered(session, i * 100, 9)
                            : List.of(numbered(session, i * 100))));
                }
                for (CompletableFuture<List<UniversalEvent>> append : all) {
                    append.get(30, TimeUnit.SECONDS);
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> producer : running) {
            producer.get(60, TimeUnit.SECONDS);
        }
        long perSession = appends - appends / 10 + 9L * (appends / 10);
        for (int p = 0; p < producers; p++) {
            List<UniversalEvent> events = readAll(store, "p" + p);
            assertThat(sequences(events)).isEqualTo(oneTo(perSession));
            List<Integer> counters = events.stream().map(e -> e.data().get("counter").asInt()).toList();
            assertThat(counters).isSorted();
        }
    }

    /** The thread event {@code counter} reached the listeners on (they run after the futures complete). */
    private String listenedOn(int counter) {
        awaitUntil("event " + counter + " reached the listeners", () -> committedOn.containsKey(counter),
                () -> committedOn);
        return committedOn.get(counter);
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
