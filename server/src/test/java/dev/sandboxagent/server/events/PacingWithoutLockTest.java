package dev.sandboxagent.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.agents.testing.Eventually;
import dev.sandboxagent.store.SessionSpec;
import dev.sandboxagent.store.SessionStore;
import dev.sandboxagent.store.UniversalEvent;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A producer pacing itself against subscribers that keep up does not take the session's lock: the store's writer,
 * one thread for every session, waits for that lock to hand over each commit, so a producer preempted while
 * holding it held every session's delivery. When the backlog is near the limit the producer still waits, under the
 * lock, as before. Real store, real Vert.x context, a live subscriber.
 */
class PacingWithoutLockTest {
    @TempDir
    Path dataDir;
    SessionStore store;
    Vertx vertx;
    Channel channel;
    Subscription subscription;

    @BeforeEach
    void open() throws Exception {
        store = SessionStore.openSqlite(dataDir);
        vertx = Vertx.vertx();
        store.create(new SessionSpec("s", "mock", "build", "default", null, null, "/", null));
        channel = new Channel("s", 0);
        subscription = new Subscription(channel, store, vertx.getOrCreateContext(), new NullSink(), 0);
        channel.add(subscription);
        subscription.schedulePump();
        Eventually.until("the subscriber is live (it paces the producer)", Duration.ofSeconds(10), () -> {
            synchronized (channel) {
                return subscription.pacingBacklogLocked() >= 0;
            }
        });
    }

    @AfterEach
    void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
        store.close();
    }

    @Test
    void aProducerWithRoomDoesNotWaitForTheSessionsLock() throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        // Another holder of the session's lock (the writer handing over a commit, a pump), preempted while holding it
        CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> {
            synchronized (channel) {
                holding.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        try {
            assertThat(holding.await(10, TimeUnit.SECONDS)).as("the lock is held").isTrue();
            // Returns while the lock is held (it used to wait for the holder: this get timed out)
            CompletableFuture.runAsync(() -> {
                try {
                    channel.awaitLiveRoom(1, () -> 0);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }).get(10, TimeUnit.SECONDS);
        } finally {
            release.countDown();
        }
        holder.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aProducerAtTheLimitStillWaitsUntilThereIsRoom() throws Exception {
        AtomicInteger queued = new AtomicInteger(Channel.PACE_LIMIT); // the store's write queue holds the limit
        AtomicInteger looks = new AtomicInteger();
        CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
            try {
                channel.awaitLiveRoom(1, () -> {
                    looks.incrementAndGet();
                    return queued.get();
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Eventually.until("the producer has looked at the backlog again and again", Duration.ofSeconds(10),
                () -> looks.get() >= 5);
        assertThat(producer).as("still waiting for room").isNotDone();

        queued.set(0); // the writer took the queue and the subscriber delivered it
        producer.get(10, TimeUnit.SECONDS);
    }

    private static final class NullSink implements EventSink {
        @Override
        public boolean deliver(UniversalEvent event) {
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
}
