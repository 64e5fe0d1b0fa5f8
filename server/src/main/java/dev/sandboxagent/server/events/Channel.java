package dev.sandboxagent.server.events;

import dev.sandboxagent.store.UniversalEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The subscribers of one session and the newest sequence the store has committed for it, and the pacing of the
 * session's producer by its live subscribers ({@link #awaitLiveRoom}).
 */
final class Channel {
    /**
     * How far (events committed or queued for the writer, not yet delivered) the producer may be ahead of the
     * slowest live subscriber. Well under its queue's limit less the writer's largest commit, which is not counted
     * while the writer holds it (StoreWriter.BATCH_MAX_DRAFTS, 2,000), so that a paced subscriber never overflows;
     * and small, because every event of that lead is on the heap (a draft queued for the writer, then a stored
     * event in the subscriber's queue) until it is delivered. At 6,144, a one-client stream kept ~6,000 events
     * alive at every young collection, more than its survivor space holds, so they were promoted each time and the
     * old generation filled: a full collection every second or so of the stream, the GC half of what the stream
     * cost after the writer. At 2,048 (about one writer's commit) the GC's CPU per event fell by a third and the
     * full collections by half, for a writer's CPU 3% higher (smaller commits) (docs/benchmarks.md "Stream
     * throughput, session 13").
     */
    static final int PACE_LIMIT = 2_048;
    /**
     * A live subscriber paces the producer only while it delivers at least this many events in each {@link
     * #RATE_WINDOW_NANOS} the producer spends waiting on it; a slower one (or a stalled one) is let go until it
     * has emptied its queue, and catches up from the store if it overflows, as before pacing. So one slow client
     * (a slow link, a paused reader) can hold an agent back to this rate at most, and only for a window: far above
     * what a real agent writes (tens of deltas a second), far below what a local client takes (tens of thousands).
     */
    static final int MIN_PACING_EVENTS_PER_WINDOW = 1_000;
    /** The window {@link #MIN_PACING_EVENTS_PER_WINDOW} is counted over. */
    static final long RATE_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** The longest wait between two looks at the backlog (the write queue's side changes without a wake-up). */
    private static final long LOOK_AGAIN_MILLIS = 10;

    private final String sessionId;
    private final List<Subscription> subscriptions = new ArrayList<>();
    private long lastCommitted;
    /** Producers in {@link #awaitLiveRoom}: only then do commits and pumps wake anyone. */
    private int pacedProducers;

    Channel(String sessionId, long lastCommitted) {
        this.sessionId = sessionId;
        this.lastCommitted = lastCommitted;
    }

    String sessionId() {
        return sessionId;
    }

    long lastCommittedLocked() {
        return lastCommitted;
    }

    synchronized void add(Subscription subscription) {
        subscriptions.add(subscription);
    }

    synchronized void remove(Subscription subscription) {
        subscriptions.remove(subscription);
        wakeProducersLocked();
    }

    /**
     * On the store's writer thread: records the commit and hands its events (this session's, consecutive, oldest
     * first) to every live subscriber, as one list they all share.
     */
    void committed(List<UniversalEvent> events) {
        List<Subscription> toWake;
        synchronized (this) {
            lastCommitted = Math.max(lastCommitted, events.get(events.size() - 1).sequence());
            for (Subscription subscription : subscriptions) {
                subscription.offerLocked(events);
            }
            wakeProducersLocked();
            toWake = List.copyOf(subscriptions);
        }
        toWake.forEach(Subscription::schedulePump);
    }

    /**
     * On the producer's thread, before it queues {@code events} more events: waits while that would put the
     * slowest live subscriber more than {@link #PACE_LIMIT} events behind (what it was handed and has not delivered
     * plus what waits in the store's write queue). Without this, a producer faster than the subscribers fills their queues, they
     * overflow and read every later event back from the store, once each, which costs more than the delivery
     * itself and slows them further (docs/benchmarks.md "Ten clients on one stream"). A subscriber catching up
     * is not waited for (it reads the store anyway), nor one slower than {@link #MIN_PACING_EVENTS_PER_WINDOW}.
     */
    synchronized void awaitLiveRoom(int events, IntSupplier queuedInStore) throws InterruptedException {
        while (true) {
            int slowest = slowestPacingBacklogLocked();
            if (slowest < 0) {
                return; // no live subscriber to wait for
            }
            long backlog = (long) slowest + queuedInStore.getAsInt();
            if (backlog == 0 || backlog + events <= PACE_LIMIT) {
                return; // an append larger than the limit goes on its own, or it never would
            }
            boolean letGo = false;
            long now = System.nanoTime();
            for (Subscription subscription : subscriptions) {
                letGo |= subscription.letGoIfTooSlowLocked(now);
            }
            if (letGo) {
                continue;
            }
            pacedProducers++;
            try {
                wait(LOOK_AGAIN_MILLIS);
            } finally {
                pacedProducers--;
            }
        }
    }

    /** The largest backlog among the subscribers that pace the producer, or -1 if there is none. */
    private int slowestPacingBacklogLocked() {
        int slowest = -1;
        for (Subscription subscription : subscriptions) {
            slowest = Math.max(slowest, subscription.pacingBacklogLocked());
        }
        return slowest;
    }

    /** A subscriber took events off its queue, or a commit moved events out of the write queue. */
    void wakeProducersLocked() {
        if (pacedProducers > 0) {
            notifyAll();
        }
    }

    synchronized void raiseLastCommitted(long sequence) {
        lastCommitted = Math.max(lastCommitted, sequence);
    }

    void noticeAll(String text) {
        List<Subscription> all;
        synchronized (this) {
            all = List.copyOf(subscriptions);
        }
        all.forEach(subscription -> subscription.notice(text));
    }

    List<Subscription> closeAll() {
        List<Subscription> all;
        synchronized (this) {
            all = List.copyOf(subscriptions);
        }
        all.forEach(Subscription::closeFromServer);
        return all;
    }
}
