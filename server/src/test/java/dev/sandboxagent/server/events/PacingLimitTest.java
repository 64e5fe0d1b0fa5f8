package dev.sandboxagent.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.agents.testing.Eventually;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How far a session's producer may run ahead of a live subscriber ({@link Channel#awaitLiveRoom}): 2,048 events,
 * counting those still queued for the store's writer. Every event of that lead is on the heap until it is
 * delivered, and a lead of 6,144 was what a streaming session promoted at every young collection
 * (docs/benchmarks.md "Stream throughput, session 13"). No timing is asserted: the write queue's size is what the
 * test's supplier says, and whether the producer waited is how often it looked.
 */
class PacingLimitTest {
    Vertx vertx;

    @BeforeEach
    void open() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void aProducerWaitsWhileMoreThan2048OfItsEventsAreQueuedForTheWriterEvenIfItsSubscriberHasDeliveredAll()
            throws Exception {
        Channel channel = new Channel("s", 0);
        // Nothing is committed, so the subscription never reads the store: it has none.
        Subscription live = new Subscription(channel, null, vertx.getOrCreateContext(), new FanOutTest.Sink(), 0);
        channel.add(live);
        live.schedulePump();
        Eventually.until("the subscriber is live and has nothing left to deliver", Duration.ofSeconds(60), () -> {
            synchronized (channel) {
                return live.pacingBacklogLocked() == 0;
            }
        });

        AtomicInteger looks = new AtomicInteger();
        channel.awaitLiveRoom(1, () -> {
            looks.incrementAndGet();
            return 2_047;
        });
        assertThat(looks.get()).as("looks at the write queue: 2,047 queued and 1 more fit, no wait").isEqualTo(1);

        looks.set(0);
        channel.awaitLiveRoom(1, () -> looks.incrementAndGet() == 1 ? 2_048 : 0); // the writer took them meanwhile
        assertThat(looks.get()).as("looks at the write queue: 2,048 queued and 1 more do not fit, so the producer"
                + " waited until the writer had taken them").isEqualTo(2);
    }
}
