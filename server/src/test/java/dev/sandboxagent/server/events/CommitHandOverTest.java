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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's writer, which serves every session, hands a commit to a session's subscribers without waiting for
 * that session's lock: a producer of the session (pacing itself, on a thread the scheduler can preempt) may hold
 * it, and every other session's events would wait behind it. The holder offers the commit as it releases the lock,
 * in order and without loss. Real store, real Vert.x context.
 */
class CommitHandOverTest {
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

    static final class CollectingSink implements EventSink {
        final List<Long> received = new CopyOnWriteArrayList<>();

        @Override
        public boolean deliver(UniversalEvent event) {
            received.add(event.sequence());
            return true;
        }

        @Override
        public boolean writeQueueFull() {
            return false;
        }

        @Override
        public void onWritable(Runnable resume) {
        }

        @Override
        public void closed(Throwable failure) {
        }
    }

    @Test
    void aCommitDoesNotWaitForAProducerHoldingTheSessionsLockAndArrivesOnceItIsReleased() throws Exception {
        store.create(new SessionSpec("s", "mock", "build", "default", null, null, "/", null));
        Channel channel = new Channel("s", 0);
        Context context = vertx.getOrCreateContext();
        CollectingSink sink = new CollectingSink();
        Subscription subscription = new Subscription(channel, store, context, sink, 0);
        channel.add(subscription);
        subscription.schedulePump();
        Eventually.until("the subscriber is live (it paces the producer)", Duration.ofSeconds(10), () -> {
            channel.lock();
            try {
                return subscription.pacingBacklogLocked() >= 0;
            } finally {
                channel.unlock();
            }
        });

        // A producer of the session paces itself: it reads the write queue's size under the session's lock.
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
            try {
                channel.awaitLiveRoom(1, () -> {
                    holding.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return 0;
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            assertThat(holding.await(10, TimeUnit.SECONDS)).as("the producer holds the lock").isTrue();
            List<UniversalEvent> first = append(3);
            List<UniversalEvent> second = append(2);

            // The writer's side: returns while the lock is held (it used to wait for the holder: this get timed out)
            CompletableFuture.runAsync(() -> {
                channel.committed(first);
                channel.committed(second);
            }).get(10, TimeUnit.SECONDS);
            assertThat(sink.received).as("nothing offered while the producer holds the lock").isEmpty();
        } finally {
            release.countDown();
        }
        producer.get(10, TimeUnit.SECONDS);

        // The holder offered both commits as it released the lock: all of them, in order, live (no store read).
        Eventually.until("five events delivered", Duration.ofSeconds(10), () -> sink.received.size() >= 5);
        assertThat(sink.received).containsExactly(1L, 2L, 3L, 4L, 5L);
        channel.lock();
        try {
            assertThat(subscription.pacingBacklogLocked()).as("still live, nothing left to deliver").isZero();
            assertThat(channel.lastCommittedLocked()).isEqualTo(5);
        } finally {
            channel.unlock();
        }
    }

    private List<UniversalEvent> append(int events) {
        return store.append("s", IntStream.range(0, events).mapToObj(i -> EventDraft.daemon("item.delta",
                JsonNodeFactory.instance.objectNode().put("item_id", "x").put("delta", i + " "))).toList()).join();
    }
}
