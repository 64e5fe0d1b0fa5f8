package dev.sandboxagent.store;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

/** Sessions, drafts and waits the store tests share. */
public final class StoreTesting {
    public static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(1);

    private StoreTesting() {
    }

    public static SessionSpec spec(String sessionId) {
        return new SessionSpec(sessionId, "mock", "build", "default", null, null, "/work/project", null);
    }

    /** A draft whose data says which producer made it and its position in that producer's order. */
    public static EventDraft numbered(String producer, int counter) {
        ObjectNode data = JsonNodeFactory.instance.objectNode().put("producer", producer).put("counter", counter);
        return new EventDraft("item.delta", "agent", false, data, null, null);
    }

    public static List<EventDraft> numbered(String producer, int firstCounter, int count) {
        return IntStream.range(firstCounter, firstCounter + count).mapToObj(i -> numbered(producer, i)).toList();
    }

    /** A draft with {@code bytes} characters of text, to make the database grow. */
    public static EventDraft bulky(int bytes) {
        ObjectNode data = JsonNodeFactory.instance.objectNode().put("text", "x".repeat(bytes));
        return new EventDraft("item.delta", "agent", false, data, null, null);
    }

    /** Every event of a session, read a page at a time as a client catching up would. */
    public static List<UniversalEvent> readAll(SessionStore store, String sessionId) {
        List<UniversalEvent> all = new ArrayList<>();
        List<UniversalEvent> page;
        do {
            page = store.read(sessionId, all.isEmpty() ? 0 : all.get(all.size() - 1).sequence(), 1_000);
            all.addAll(page);
        } while (!page.isEmpty());
        return all;
    }

    public static List<Long> sequences(List<UniversalEvent> events) {
        return events.stream().map(UniversalEvent::sequence).toList();
    }

    public static List<Long> oneTo(long last) {
        return LongStream.rangeClosed(1, last).boxed().toList();
    }

    /** Waits for {@code condition}, failing with {@code what} and the last state once the deadline passes. */
    public static void awaitUntil(String what, BooleanSupplier condition, Supplier<Object> state) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + DEADLINE + " waiting for " + what + "; now: "
                        + state.get());
            }
            LockSupport.parkNanos(POLL.toNanos());
        }
    }
}
