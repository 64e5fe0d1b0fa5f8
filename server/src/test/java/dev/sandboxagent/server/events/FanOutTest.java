package dev.sandboxagent.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.sandboxagent.agents.testing.Eventually;
import dev.sandboxagent.store.EventDraft;
import dev.sandboxagent.store.SessionSpec;
import dev.sandboxagent.store.SessionStore;
import dev.sandboxagent.store.UniversalEvent;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live fan-out of one session's commits to many subscribers: a big commit reaches a subscriber that keeps up from
 * memory (not read back from the store), every subscriber gets every event in order under a long stream of commits
 * of all sizes, subscribers slower than the producer hold it back rather than fall back to reading the store,
 * and one stalled subscriber neither holds the others back (past a bounded wait) nor loses anything. Real store (its
 * writer batches the appends into commits as it does in the server), real Vert.x contexts.
 */
class FanOutTest {
    @TempDir
    Path dataDir;
    SessionStore store;
    /** {@link #store}, counting the reads of stored events ({@link SessionStore#read}). */
    SessionStore counted;
    final AtomicInteger storeReads = new AtomicInteger();
    Vertx vertx;

    @BeforeEach
    void open() {
        store = SessionStore.openSqlite(dataDir);
        counted = (SessionStore) Proxy.newProxyInstance(SessionStore.class.getClassLoader(),
                new Class<?>[] {SessionStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("read")) {
                        storeReads.incrementAndGet();
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        vertx = Vertx.vertx();
        store.create(new SessionSpec("s", "mock", "build", "default", null, null, "/", null));
    }

    @AfterEach
    void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
        store.close();
    }

    /** Records what it gets; its transport is full (nothing delivered is taken) while {@code stalled}. */
    static final class Sink implements EventSink {
        final List<Long> received = new ArrayList<>(); // on the subscription's context only
        volatile long last;
        volatile boolean stalled;
        /** A pause of {@link #pauseNanos} every this many deliveries (a client slower than the writer), 0 for none. */
        volatile int pauseEvery;
        volatile long pauseNanos = 1_000_000;
        Runnable resume;

        @Override
        public boolean deliver(UniversalEvent event) {
            if (pauseEvery > 0 && received.size() % pauseEvery == 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(pauseNanos);
            }
            received.add(event.sequence());
            last = event.sequence();
            return true;
        }

        @Override
        public boolean writeQueueFull() {
            return stalled;
        }

        @Override
        public void onWritable(Runnable resume) {
            this.resume = resume;
        }

        @Override
        public void closed(Throwable failure) {
            throw new AssertionError("subscription closed", failure);
        }
    }

    @Test
    void theWritersLargestCommitReachesALiveSubscriberFromMemory() throws Exception {
        EventHub hub = new EventHub(counted);
        Context context = vertx.getOrCreateContext();
        Sink sink = new Sink();
        subscribe(hub, context, sink);
        store.append("s", drafts(1)).get(10, TimeUnit.SECONDS);
        awaitReceived(sink, 1);
        int readsWhileLive = storeReads.get();

        // One append of 2,000 events is one commit (the writer's largest: StoreWriter.BATCH_MAX_DRAFTS).
        store.append("s", drafts(2_000)).get(30, TimeUnit.SECONDS);
        awaitReceived(sink, 2_001);

        assertThat(onContext(context, () -> List.copyOf(sink.received)))
                .isEqualTo(LongStream.rangeClosed(1, 2_001).boxed().toList());
        assertThat(storeReads.get()).as("reads of stored events for a subscriber that kept up")
                .isEqualTo(readsWhileLive);
    }

    @Test
    void tenSubscribersGetALongStreamInOrderAndAStalledOneHoldsNobodyBack() throws Exception {
        EventHub hub = new EventHub(counted);
        int events = 40_000;
        List<Sink> sinks = new ArrayList<>();
        List<Context> contexts = new ArrayList<>();
        subscribeOnContextsOfTheirOwn(hub, 10, sinks, contexts);
        Sink stalled = sinks.get(9);
        onContext(contexts.get(9), () -> {
            stalled.stalled = true;
            return null;
        });

        // Appends of 1 to 700 events from one producer, none awaited: the writer commits them in batches of every
        // size up to its largest, while the subscribers drain.
        appendUpTo(0, events, size -> size % 700 + 37);

        for (Sink sink : sinks.subList(0, 9)) {
            awaitReceived(sink, events);
        }
        for (int i = 0; i < 9; i++) {
            Sink sink = sinks.get(i);
            assertThat(onContext(contexts.get(i), () -> List.copyOf(sink.received))).as("subscriber " + i)
                    .isEqualTo(LongStream.rangeClosed(1, events).boxed().toList());
        }
        assertThat(onContext(contexts.get(9), () -> stalled.received.size()))
                .as("nothing delivered to the stalled subscriber while its transport is full").isZero();

        // Its transport drains: it gets all of them too (the overflow read back from the store), in order.
        onContext(contexts.get(9), () -> {
            stalled.stalled = false;
            if (stalled.resume != null) {
                stalled.resume.run();
            }
            return null;
        });
        awaitReceived(stalled, events);
        assertThat(onContext(contexts.get(9), () -> List.copyOf(stalled.received)))
                .isEqualTo(LongStream.rangeClosed(1, events).boxed().toList());
    }

    @Test
    void liveSubscribersSlowerThanTheProducerPaceItInsteadOfReadingTheStore() throws Exception {
        EventHub hub = new EventHub(counted);
        List<Sink> sinks = new ArrayList<>();
        List<Context> contexts = new ArrayList<>();
        subscribeOnContextsOfTheirOwn(hub, 10, sinks, contexts);
        store.append("s", drafts(1)).get(10, TimeUnit.SECONDS);
        for (Sink sink : sinks) {
            awaitReceived(sink, 1);
            sink.pauseEvery = 50; // under 50,000 events/s, shared by the subscribers of one event loop
        }
        int readsWhileLive = storeReads.get();

        // A producer far faster than the subscribers (appends of 1 to 700 events, none awaited), as an agent
        // streaming into the server: more than a subscriber's queue (Subscription.LIVE_QUEUE_LIMIT) ahead of them.
        int events = 16_001;
        appendUpTo(1, events, size -> size % 700 + 37);
        for (Sink sink : sinks) {
            awaitReceived(sink, events);
        }

        for (int i = 0; i < 10; i++) {
            Sink sink = sinks.get(i);
            assertThat(onContext(contexts.get(i), () -> List.copyOf(sink.received))).as("subscriber " + i)
                    .isEqualTo(LongStream.rangeClosed(1, events).boxed().toList());
        }
        assertThat(storeReads.get()).as("reads of stored events: the producer waited for the live subscribers"
                + " instead of throwing them back to the store").isEqualTo(readsWhileLive);
    }

    @Test
    void aTricklingSubscriberIsLetGoAndTheProducerGoesOnWithoutIt() throws Exception {
        EventHub hub = new EventHub(counted);
        Context context = vertx.getOrCreateContext();
        Sink trickles = new Sink();
        subscribe(hub, context, trickles);
        store.append("s", drafts(1)).get(10, TimeUnit.SECONDS);
        awaitReceived(trickles, 1);
        // Under 800 events/s and never stalled: a slow link or a slow reader, below Channel's minimum pacing rate.
        // Held to its pace, the producer would need 20 s and would finish with it at most the pacing limit behind.
        trickles.pauseNanos = 1_250_000;
        trickles.pauseEvery = 1;

        // Small appends, as an agent's reads of its output: small commits, so the live queue never overflows on
        // its own and only letting the subscriber go frees the producer.
        int events = 16_001;
        appendUpTo(1, events, size -> size % 40 + 1);
        assertThat(trickles.last).as("the trickling subscriber was let go: the producer finished long before it had"
                + " delivered half the stream").isLessThan(events / 2);

        trickles.pauseEvery = 0;
        awaitReceived(trickles, events);
        assertThat(onContext(context, () -> List.copyOf(trickles.received))).as("it loses nothing: it caught up"
                + " from the store").isEqualTo(LongStream.rangeClosed(1, events).boxed().toList());
    }

    /**
     * Appends events {@code stored + 1} to {@code events} without waiting for each append, as an agent streaming
     * into the server does, in appends of 1, then {@code nextSize} of the last size; waits for the last commit.
     */
    private void appendUpTo(int stored, int events, IntUnaryOperator nextSize) throws Exception {
        CompletableFuture<List<UniversalEvent>> last = null;
        int appended = stored;
        for (int size = 1; appended < events; size = nextSize.applyAsInt(size)) {
            int n = Math.min(size, events - appended);
            last = store.append("s", drafts(n));
            appended += n;
        }
        last.get(60, TimeUnit.SECONDS);
    }

    /** Subscribes {@code count} sinks, each on a context of its own; adds them and their contexts to the lists. */
    private void subscribeOnContextsOfTheirOwn(EventHub hub, int count, List<Sink> sinks, List<Context> contexts)
            throws Exception {
        for (int i = 0; i < count; i++) {
            Context context = vertx.getOrCreateContext();
            Sink sink = new Sink();
            subscribe(hub, context, sink);
            sinks.add(sink);
            contexts.add(context);
        }
    }

    private Subscription subscribe(EventHub hub, Context context, Sink sink) throws Exception {
        return onContext(context, () -> hub.subscribe(store.get("s").orElseThrow(), 0, context, sink));
    }

    private static List<EventDraft> drafts(int n) {
        return IntStream.range(0, n).mapToObj(i -> EventDraft.daemon("item.delta",
                JsonNodeFactory.instance.objectNode().put("item_id", "x").put("delta", i + " "))).toList();
    }

    private static <T> T onContext(Context context, java.util.concurrent.Callable<T> work) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        context.runOnContext(v -> {
            try {
                result.complete(work.call());
            } catch (Exception | AssertionError e) {
                result.completeExceptionally(e);
            }
        });
        return result.get(10, TimeUnit.SECONDS);
    }

    private static void awaitReceived(Sink sink, long sequence) throws InterruptedException {
        Eventually.until("event " + sequence + " delivered", Duration.ofSeconds(60), () -> sink.last >= sequence);
    }
}
