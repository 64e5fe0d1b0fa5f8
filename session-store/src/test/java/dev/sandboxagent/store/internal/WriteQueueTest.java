package dev.sandboxagent.store.internal;

import static dev.sandboxagent.store.StoreTesting.awaitUntil;
import static dev.sandboxagent.store.StoreTesting.numbered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandboxagent.store.StoreException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WriteQueueTest {
    private static final long NO_LINGER = 0;

    private final WriteQueue queue = new WriteQueue(10);

    @Test
    void aBatchTakesQueuedAppendsInOrderUpToTheDraftCap() throws Exception {
        WriteRequest.Append a = append("s", 3);
        WriteRequest.Append b = append("t", 3);
        WriteRequest.Append c = append("s", 3);
        for (WriteRequest.Append append : List.of(a, b, c)) {
            queue.putAppend(append, true);
        }

        assertThat(queue.takeBatch(6, NO_LINGER)).containsExactly(a, b);
        assertThat(queue.takeBatch(6, NO_LINGER)).containsExactly(c);
    }

    @Test
    void eachSessionsWaitingDraftsAreCountedUntilTheWriterTakesThem() throws Exception {
        // What the event hub's pacer reads (AppendPacer): a session's drafts not yet taken by the writer.
        queue.putAppend(append("s", 3), true);
        queue.putAppend(append("t", 2), true);
        queue.putAppend(append("s", 4), true);
        assertThat(List.of(queue.queuedDrafts("s"), queue.queuedDrafts("t"), queue.queuedDrafts("u")))
                .containsExactly(7, 2, 0);

        queue.takeBatch(5, NO_LINGER); // s's first 3 and t's 2; s's 4 would pass the cap
        assertThat(List.of(queue.queuedDrafts("s"), queue.queuedDrafts("t"))).containsExactly(4, 0);

        queue.putAppend(append("t", 1), true);
        queue.closeAndDrain();
        assertThat(List.of(queue.queuedDrafts("s"), queue.queuedDrafts("t"))).containsExactly(0, 0);
    }

    @Test
    void anAppendBiggerThanTheCapIsTakenAlone() throws Exception {
        WriteRequest.Append big = append("s", 8);
        WriteRequest.Append small = append("s", 1);
        queue.putAppend(big, true);
        queue.putAppend(small, true);

        assertThat(queue.takeBatch(5, NO_LINGER)).containsExactly(big);
        assertThat(queue.takeBatch(5, NO_LINGER)).containsExactly(small);
    }

    @Test
    void aTaskIsTakenAloneAndEndsTheBatchBeforeIt() throws Exception {
        WriteRequest.Append before = append("s", 1);
        WriteRequest.Task<Void> task = new WriteRequest.Task<>("test", tx -> null, new CompletableFuture<>(), false);
        WriteRequest.Append after = append("s", 1);
        queue.putAppend(before, true);
        queue.putTask(task);
        queue.putAppend(after, true);

        assertThat(queue.takeBatch(100, TimeUnit.SECONDS.toNanos(10))).containsExactly(before);
        assertThat(queue.takeBatch(100, NO_LINGER)).containsExactly(task);
        assertThat(queue.takeBatch(100, NO_LINGER)).containsExactly(after);
    }

    @Test
    void aFullQueueBlocksTheProducerUntilTheWriterMakesRoom() throws Exception {
        queue.putAppend(append("s", 6), true);
        queue.putAppend(append("s", 4), true);
        WriteRequest.Append blocked = append("s", 1);
        Thread producer = new Thread(() -> {
            try {
                queue.putAppend(blocked, true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        producer.start();

        awaitUntil("the producer to wait for room", () -> producer.getState() == Thread.State.WAITING,
                producer::getState);
        assertThat(queue.takeBatch(6, NO_LINGER)).hasSize(1);
        producer.join(TimeUnit.SECONDS.toMillis(30));

        assertThat(producer.isAlive()).isFalse();
        assertThat(queue.takeBatch(100, NO_LINGER)).hasSize(2).endsWith(blocked);
    }

    @Test
    void theWriterThreadIsNeverBlockedByAFullQueue() throws Exception {
        queue.putAppend(append("s", 10), true);

        queue.putAppend(append("s", 5), false);

        assertThat(queue.takeBatch(100, NO_LINGER)).hasSize(2);
    }

    @Test
    void aClosedQueueRefusesNewWorkButHandsOverWhatItHolds() throws Exception {
        WriteRequest.Append queued = append("s", 1);
        queue.putAppend(queued, true);

        queue.close();

        assertThatThrownBy(() -> queue.putAppend(append("s", 1), true))
                .isInstanceOf(StoreException.class).hasMessage("store is closed");
        assertThatThrownBy(() -> queue.putTask(new WriteRequest.Task<>("test", tx -> null,
                new CompletableFuture<>(), false))).isInstanceOf(StoreException.class);
        assertThat(queue.takeBatch(100, TimeUnit.SECONDS.toNanos(10))).containsExactly(queued);
        assertThat(queue.takeBatch(100, NO_LINGER)).isEmpty();
    }

    private static WriteRequest.Append append(String sessionId, int drafts) {
        return new WriteRequest.Append(sessionId, numbered("p", 0, drafts), 0, new CompletableFuture<>(), false);
    }
}
