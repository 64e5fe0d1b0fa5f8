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
     * slowest live subscriber: its queue's limit less the writer's largest commit, which is not counted while the
     * writer holds it (StoreWriter.BATCH_MAX_DRAFTS, 2,000), so that a paced subscriber never overflows.
     */
    static final int PACE_LIMIT = Subscription.LIVE_QUEUE_LIMIT - 2_048;
    /**
     * A subscriber whose backlog did not shrink for this long is let go: the producer goes on without it, and it
     * catches up from the store if it overflows, as before pacing. One stalled client costs the session one such
     * wait, not one per event. Not shorter: on a loaded machine an event loop serving several busy subscribers
     * can leave one of them without a turn for a good part of a second, which is slow, not stalled.
     */
    static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(2);
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
     * is not waited for (it reads the store anyway), nor one that made no progress for {@link #STALL_NANOS}.
     */
    synchronized void awaitLiveRoom(int events, IntSupplier queuedInStore) throws InterruptedException {
        long lastBacklog = Long.MAX_VALUE;
        long deadline = 0;
        while (true) {
            int slowest = slowestPacingBacklogLocked();
            if (slowest < 0) {
                return; // no live subscriber to wait for
            }
            long backlog = (long) slowest + queuedInStore.getAsInt();
            if (backlog == 0 || backlog + events <= PACE_LIMIT) {
                return; // an append larger than the limit goes on its own, or it never would
            }
            long now = System.nanoTime();
            if (backlog < lastBacklog) {
                lastBacklog = backlog;
                deadline = now + STALL_NANOS;
            } else if (now - deadline >= 0) {
                for (Subscription subscription : subscriptions) {
                    subscription.stopPacingIfBehindLocked(slowest);
                }
                continue;
            }
            pacedProducers++;
            try {
                wait(Math.max(1, Math.min(LOOK_AGAIN_MILLIS, TimeUnit.NANOSECONDS.toMillis(deadline - now))));
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
