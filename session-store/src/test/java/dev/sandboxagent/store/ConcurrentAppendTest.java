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
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConcurrentAppendTest {
    private static final int SESSIONS = 20;
    private static final int THREADS = 20;
    private static final int APPENDS_PER_THREAD = 500;

    @TempDir
    Path dataDir;
    SessionStore store;
    ExecutorService threads;

    @BeforeEach
    void open() {
        store = SessionStore.openSqlite(dataDir);
        threads = Executors.newFixedThreadPool(THREADS);
    }

    @AfterEach
    void close() throws InterruptedException {
        threads.shutdownNow();
        assertThat(threads.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        store.close();
    }

    /**
     * Each thread appends to every session in turn, one to three drafts at a time, with its own counter in the
     * data: numbering must be gap-free per session and keep each thread's order.
     */
    @Test
    void concurrentAppendsGetGapFreeSequencesInEachProducersOrder() throws Exception {
        for (int s = 0; s < SESSIONS; s++) {
            store.create(spec("session-" + s));
        }
        ConcurrentLinkedQueue<List<UniversalEvent>> commits = new ConcurrentLinkedQueue<>();
        AtomicInteger committedEvents = new AtomicInteger();
        store.onCommit(batch -> {
            commits.add(batch);
            committedEvents.addAndGet(batch.size());
        });
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<CompletableFuture<List<UniversalEvent>>>>> producers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            String producer = "thread-" + t;
            int offset = t;
            producers.add(threads.submit(() -> {
                start.await();
                List<CompletableFuture<List<UniversalEvent>>> appends = new ArrayList<>();
                for (int i = 0; i < APPENDS_PER_THREAD; i++) {
                    String session = "session-" + (offset + i) % SESSIONS;
                    appends.add(store.append(session, numbered(producer, i * 3, 1 + i % 3)));
                }
                return appends;
            }));
        }
        start.countDown();
        List<UniversalEvent> acknowledged = new ArrayList<>();
        for (Future<List<CompletableFuture<List<UniversalEvent>>>> producer : producers) {
            for (CompletableFuture<List<UniversalEvent>> append : producer.get(30, TimeUnit.SECONDS)) {
                List<UniversalEvent> events = append.get(30, TimeUnit.SECONDS);
                assertThat(sequences(events)).isSortedAccordingTo(Long::compare);
                assertThat(events.get(events.size() - 1).sequence() - events.get(0).sequence())
                        .isEqualTo(events.size() - 1);
                acknowledged.addAll(events);
            }
        }
        int total = THREADS * IntStream.range(0, APPENDS_PER_THREAD).map(i -> 1 + i % 3).sum();

        assertThat(acknowledged).hasSize(total);
        for (int s = 0; s < SESSIONS; s++) {
            String session = "session-" + s;
            List<UniversalEvent> stored = readAll(store, session);
            assertThat(sequences(stored)).as(session).isEqualTo(oneTo(stored.size()));
            assertThat(store.get(session).orElseThrow().lastSequence()).isEqualTo(stored.size());
            assertInEachProducersOrder(stored);
        }
        assertThat(acknowledged.stream().map(UniversalEvent::eventId).distinct()).hasSize(total);

        awaitUntil("the listener to see every event", () -> committedEvents.get() == total, committedEvents::get);
        List<UniversalEvent> heard = commits.stream().flatMap(Collection::stream).toList();
        assertThat(heard).hasSize(total);
        assertThat(new HashSet<>(heard)).isEqualTo(new HashSet<>(acknowledged));
        Map<String, List<Long>> heardBySession = heard.stream().collect(
                Collectors.groupingBy(UniversalEvent::sessionId,
                        Collectors.mapping(UniversalEvent::sequence, Collectors.toList())));
        heardBySession.forEach((session, seqs) -> assertThat(seqs).as(session).isEqualTo(oneTo(seqs.size())));
    }

    @Test
    void appendsWrittenWithoutWaitingAreGroupCommitted() {
        store.create(spec("fast"));
        AtomicInteger commits = new AtomicInteger();
        AtomicInteger events = new AtomicInteger();
        store.onCommit(batch -> {
            commits.incrementAndGet();
            events.addAndGet(batch.size());
        });

        List<CompletableFuture<List<UniversalEvent>>> appends = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            appends.add(store.append("fast", List.of(numbered("p", i))));
        }
        CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new)).join();
        awaitUntil("the listener to see every event", () -> events.get() == 5_000, events::get);

        assertThat(commits.get()).isLessThan(1_000);
        assertThat(sequences(readAll(store, "fast"))).isEqualTo(oneTo(5_000));
    }

    /**
     * Deleting a session while a producer appends to it and to a neighbour: its appends either made it before the
     * delete or fail as "unknown session", and the neighbour's appends, committed in the same batches, all succeed.
     */
    @Test
    void deletingASessionDuringAppendsFailsOnlyItsOwnAppends() throws Exception {
        store.create(spec("doomed"));
        store.create(spec("neighbour"));
        CountDownLatch appending = new CountDownLatch(1);
        AtomicBoolean deleted = new AtomicBoolean();
        Future<Map<String, List<CompletableFuture<List<UniversalEvent>>>>> producer = threads.submit(() -> {
            Map<String, List<CompletableFuture<List<UniversalEvent>>>> appends = Map.of(
                    "doomed", new ArrayList<>(), "neighbour", new ArrayList<>());
            int afterDelete = 0;
            for (int i = 0; afterDelete < 100; i++) {
                for (String session : List.of("doomed", "neighbour")) {
                    appends.get(session).add(store.append(session, List.of(numbered("p", i))));
                }
                if (i % 20 == 0) {
                    // a producer that waits now and then, so the delete is not queued behind a huge backlog
                    appends.get("neighbour").get(i).join();
                }
                if (i == 1_000) {
                    appending.countDown();
                }
                if (deleted.get()) {
                    afterDelete++;
                }
            }
            return appends;
        });
        assertThat(appending.await(30, TimeUnit.SECONDS)).isTrue();

        assertThat(store.delete("doomed")).isTrue();
        deleted.set(true);

        Map<String, List<CompletableFuture<List<UniversalEvent>>>> appends = producer.get(30, TimeUnit.SECONDS);
        List<Throwable> doomedFailures = new ArrayList<>();
        for (CompletableFuture<List<UniversalEvent>> append : appends.get("doomed")) {
            append.handle((events, failure) -> failure == null || doomedFailures.add(failure)).join();
        }
        assertThat(doomedFailures).isNotEmpty().allSatisfy(failure -> assertThat(failure)
                .isInstanceOf(StoreException.class).hasMessageContaining("unknown session 'doomed'"));
        List<CompletableFuture<List<UniversalEvent>>> neighbour = appends.get("neighbour");
        CompletableFuture.allOf(neighbour.toArray(CompletableFuture[]::new)).join();
        assertThat(sequences(readAll(store, "neighbour"))).isEqualTo(oneTo(neighbour.size()));
        assertThat(store.read("doomed", 0, 10)).isEmpty();
    }

    @Test
    void aFailingListenerDoesNotStopCommitsOrOtherListeners() {
        store.create(spec("s"));
        AtomicInteger heard = new AtomicInteger();
        store.onCommit(batch -> {
            throw new IllegalStateException("broken subscriber");
        });
        store.onCommit(batch -> heard.addAndGet(batch.size()));

        store.append("s", numbered("p", 0, 3)).join();
        store.append("s", numbered("p", 3, 2)).join();

        awaitUntil("the healthy listener to hear both appends", () -> heard.get() == 5, heard::get);
        assertThat(sequences(readAll(store, "s"))).isEqualTo(oneTo(5));
    }

    @Test
    void aFutureCallbackMayCallTheStoreWithoutDeadlock() {
        store.create(spec("s"));

        CompletableFuture<SessionRecord> ended = store.append("s", List.of(numbered("p", 1)))
                .thenApply(events -> {
                    store.setState("s", SessionState.ENDED);
                    store.append("s", List.of(numbered("p", 2)));
                    return store.get("s").orElseThrow();
                });

        assertThat(ended).succeedsWithin(StoreTesting.DEADLINE)
                .extracting(SessionRecord::state).isEqualTo(SessionState.ENDED);
        awaitUntil("the second append", () -> store.get("s").orElseThrow().lastSequence() == 2,
                () -> store.get("s"));
    }

    private static void assertInEachProducersOrder(List<UniversalEvent> events) {
        Map<String, List<Integer>> counters = events.stream().collect(Collectors.groupingBy(
                e -> e.data().get("producer").asText(),
                Collectors.mapping(e -> e.data().get("counter").asInt(), Collectors.toList())));
        counters.forEach((producer, seen) -> assertThat(seen).as(producer).isSorted().doesNotHaveDuplicates());
    }
}
