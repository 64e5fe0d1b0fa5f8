package dev.sandboxagent.server.events;

import dev.sandboxagent.store.UniversalEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;

/**
 * The subscribers of one session and the newest sequence the store has committed for it, and the pacing of the
 * session's producer by its live subscribers ({@link #awaitLiveRoom}).
 *
 * <p><b>The store's writer never waits for this lock.</b> It is taken by the session's producer (on every append,
 * to pace it) and by each subscriber's pump, threads that the machine's scheduler can preempt while they hold it;
 * the writer, which serves every session, used to wait for it in {@link #committed} (5-90 ms at a time at load 10,
 * docs/benchmarks.md "Latency: where a slow delta waits"), and every session's events waited with it. Now a commit
 * is put in an inbox and offered by whichever thread holds the lock next: the writer itself when the lock is free
 * (the usual case), otherwise the holder, as it releases the lock ({@link #unlock}). Every holder releases through
 * {@link #unlock}, which is what makes the hand-over complete: a commit put in the inbox while the lock is held is
 * seen by the holder's check after its release, or finds the lock free itself.
 */
final class Channel {
    /**
     * How far (events committed or queued for the writer, not yet delivered) the producer may be ahead of the
     * slowest live subscriber: its queue's limit less the writer's largest commit, which is not counted while the
     * writer holds it (StoreWriter.BATCH_MAX_DRAFTS, 2,000), so that a paced subscriber never overflows.
     */
    static final int PACE_LIMIT = Subscription.LIVE_QUEUE_LIMIT - 2_048;
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
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when a paced producer may have room (see {@link #wakeProducersLocked}). */
    private final Condition room = lock.newCondition();
    /** Commits of the session not yet offered to the subscribers, oldest first (see the class comment). */
    private final ConcurrentLinkedQueue<List<UniversalEvent>> inbox = new ConcurrentLinkedQueue<>();
    // Guarded by lock.
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

    /** Takes the lock that guards the subscribers and what they were handed. Release it with {@link #unlock}. */
    void lock() {
        lock.lock();
    }

    /** Releases the lock, then offers the commits that came while it was held (see the class comment). */
    void unlock() {
        lock.unlock();
        offerInbox();
    }

    void add(Subscription subscription) {
        lock();
        try {
            subscriptions.add(subscription);
        } finally {
            unlock();
        }
    }

    void remove(Subscription subscription) {
        lock();
        try {
            subscriptions.remove(subscription);
            wakeProducersLocked();
        } finally {
            unlock();
        }
    }

    /**
     * On the store's writer thread: records the commit and hands its events (this session's, consecutive, oldest
     * first) to every live subscriber, as one list they all share; never waits (see the class comment). When the
     * lock is held, the holder does it as it releases the lock.
     */
    void committed(List<UniversalEvent> events) {
        inbox.add(events);
        offerInbox();
    }

    /**
     * Offers the commits in the inbox, in order, if the lock is free; a holder of the lock (this thread, if it holds
     * it already, further up the stack) does it when it releases the lock.
     */
    private void offerInbox() {
        while (!inbox.isEmpty() && !lock.isHeldByCurrentThread() && lock.tryLock()) {
            List<Subscription> toWake;
            try {
                toWake = offerInboxLocked();
            } finally {
                lock.unlock();
            }
            toWake.forEach(Subscription::schedulePump);
        }
    }

    /** Offers the inbox's commits under the lock; returns the subscribers whose pumps must then be scheduled. */
    private List<Subscription> offerInboxLocked() {
        List<UniversalEvent> events;
        boolean any = false;
        while ((events = inbox.poll()) != null) {
            any = true;
            lastCommitted = Math.max(lastCommitted, events.get(events.size() - 1).sequence());
            for (Subscription subscription : subscriptions) {
                subscription.offerLocked(events);
            }
        }
        if (!any) {
            return List.of();
        }
        wakeProducersLocked();
        return List.copyOf(subscriptions);
    }

    /**
     * On the producer's thread, before it queues {@code events} more events: waits while that would put the
     * slowest live subscriber more than {@link #PACE_LIMIT} events behind (what it was handed and has not delivered
     * plus what waits in the store's write queue). Without this, a producer faster than the subscribers fills their queues, they
     * overflow and read every later event back from the store, once each, which costs more than the delivery
     * itself and slows them further (docs/benchmarks.md "Ten clients on one stream"). A subscriber catching up
     * is not waited for (it reads the store anyway), nor one slower than {@link #MIN_PACING_EVENTS_PER_WINDOW}.
     */
    void awaitLiveRoom(int events, IntSupplier queuedInStore) throws InterruptedException {
        lock();
        try {
            awaitLiveRoomLocked(events, queuedInStore);
        } finally {
            unlock();
        }
    }

    private void awaitLiveRoomLocked(int events, IntSupplier queuedInStore) throws InterruptedException {
        while (true) {
            // Commits that came while this thread held the lock: they count in the subscribers' backlog now.
            offerInboxLocked().forEach(Subscription::schedulePump);
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
                room.await(LOOK_AGAIN_MILLIS, TimeUnit.MILLISECONDS);
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
            room.signalAll();
        }
    }

    void raiseLastCommitted(long sequence) {
        lock();
        try {
            lastCommitted = Math.max(lastCommitted, sequence);
        } finally {
            unlock();
        }
    }

    void noticeAll(String text) {
        all().forEach(subscription -> subscription.notice(text));
    }

    List<Subscription> closeAll() {
        List<Subscription> all = all();
        all.forEach(Subscription::closeFromServer);
        return all;
    }

    private List<Subscription> all() {
        lock();
        try {
            return List.copyOf(subscriptions);
        } finally {
            unlock();
        }
    }
}
