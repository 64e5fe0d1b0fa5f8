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
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A subscriber that cannot keep up costs bounded memory: its live queue overflows into reading from the store,
 * and once it drains it still receives every event, in order, exactly once. Real store, real Vert.x context.
 */
class SlowSubscriberTest {
    private static final int EVENTS = 20_000;

    @TempDir
    Path dataDir;
    SessionStore store;
    Vertx vertx;

    @BeforeEach
    void open() {
        store = SessionStore.openSqlite(dataDir);
        vertx = Vertx.vertx();
    }

    @AfterEach
    void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
        store.close();
    }

    /** A transport whose buffer is full until the test opens it. */
    static final class StalledSink implements EventSink {
        final List<Long> received = new ArrayList<>();
        final CompletableFuture<Void> all = new CompletableFuture<>();
        volatile boolean full;
        Runnable resume;

        @Override
        public boolean deliver(UniversalEvent event) {
            received.add(event.sequence());
            if (received.size() == EVENTS) {
                all.complete(null);
            }
            return true;
        }

        @Override
        public boolean writeQueueFull() {
            return full;
        }

        @Override
        public void onWritable(Runnable resume) {
            this.resume = resume;
        }

        @Override
        public void closed(Throwable failure) {
            all.completeExceptionally(failure == null ? new IllegalStateException("closed") : failure);
        }
    }

    @Test
    void aStalledSubscriberOverflowsToTheStoreAndStillGetsEverythingInOrder() throws Exception {
        store.create(new SessionSpec("slow", "mock", "build", "default", null, null, "/", null));
        EventHub hub = new EventHub(store);
        Context context = vertx.getOrCreateContext();
        StalledSink sink = new StalledSink();
        CompletableFuture<Subscription> subscribed = new CompletableFuture<>();
        context.runOnContext(v -> subscribed.complete(hub.subscribe(store.get("slow").orElseThrow(), 0, context,
                sink)));
        Subscription subscription = subscribed.get(10, TimeUnit.SECONDS);

        // First live: one event goes straight through. Then the transport stalls.
        append(0).get(10, TimeUnit.SECONDS);
        awaitDelivered(subscription, 1);
        CompletableFuture<Void> stalled = new CompletableFuture<>();
        context.runOnContext(v -> {
            sink.full = true;
            stalled.complete(null);
        });
        stalled.get(10, TimeUnit.SECONDS);

        int maxQueued = 0;
        CompletableFuture<List<UniversalEvent>> last = null;
        for (int i = 1; i < EVENTS; i++) {
            last = append(i);
            if (i % 500 == 0) {
                maxQueued = Math.max(maxQueued, subscription.queued());
            }
        }
        last.get(30, TimeUnit.SECONDS);
        maxQueued = Math.max(maxQueued, subscription.queued());
        assertThat(sink.received).as("nothing more delivered while the transport is full").hasSize(1);
        assertThat(maxQueued).as("memory held for a stalled subscriber: the live queue filled, then overflowed")
                .isEqualTo(Subscription.LIVE_QUEUE_LIMIT);

        // The transport drains: everything arrives, from the store, then live.
        context.runOnContext(v -> {
            sink.full = false;
            sink.resume.run();
        });
        sink.all.get(60, TimeUnit.SECONDS);
        assertThat(sink.received).isEqualTo(LongStream.rangeClosed(1, EVENTS).boxed().toList());

        // and it is live again afterwards
        store.append("slow", List.of(EventDraft.daemon("turn.ended",
                JsonNodeFactory.instance.objectNode().put("phase", "ended")))).get(10, TimeUnit.SECONDS);
        awaitDelivered(subscription, EVENTS + 1);
    }

    private CompletableFuture<List<UniversalEvent>> append(int i) {
        return store.append("slow", List.of(EventDraft.daemon("item.delta",
                JsonNodeFactory.instance.objectNode().put("item_id", "x").put("delta", i + " "))));
    }

    private static void awaitDelivered(Subscription subscription, long sequence) throws InterruptedException {
        Eventually.until("event " + sequence + " delivered", Duration.ofSeconds(10),
                () -> subscription.delivered() >= sequence);
        assertThat(subscription.delivered()).isEqualTo(sequence);
    }
}
