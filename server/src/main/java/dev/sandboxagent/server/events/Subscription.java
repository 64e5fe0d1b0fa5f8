package dev.sandboxagent.server.events;

import dev.sandboxagent.store.SessionStore;
import dev.sandboxagent.store.UniversalEvent;
import io.vertx.core.Context;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One subscriber's position in one session's event log.
 *
 * <p>Two modes. <b>Live</b>: the store's writer thread appends each commit's events for the session (one list,
 * shared by every subscriber of the session, never copied) to a small bounded queue that the pump drains on the
 * subscriber's context. <b>Catching up</b> (at start, and whenever the queue overflowed or an event arrived out of
 * line): live events are ignored and the pump reads pages from the store instead, switching back to live only
 * when, under the channel lock, nothing newer than what it delivered has been committed. Memory per subscriber is
 * therefore bounded by the queue, however slow the client (and what the queue holds is the commits' own lists,
 * which the session's other subscribers share), and the delivered sequence is always {@code offset+1, offset+2,
 * ...} with no gap and no duplicate.
 */
final class Subscription implements AutoCloseable {
    /**
     * Events a live subscriber may have queued. Larger than the store writer's largest commit (2,000 events), so
     * that a subscriber that keeps up never overflows on one big commit: overflowing means reading those events
     * back from SQLite, row by row, once per subscriber, which cost more than the rest of the delivery.
     */
    static final int LIVE_QUEUE_LIMIT = 8192;
    static final int STORE_PAGE = 512;
    /** Live events delivered in one event-loop task at most. */
    static final int PUMP_BATCH = 256;

    private final Channel channel;
    private final SessionStore store;
    private final Context context;
    private final EventSink sink;
    private final AtomicBoolean pumpScheduled = new AtomicBoolean();

    // Guarded by channel's lock: written by the store's writer thread and by the pump.
    // Each entry is consecutive events of one commit, a list the writer made and nobody modifies.
    private final ArrayDeque<List<UniversalEvent>> queue = new ArrayDeque<>();
    private int queuedEvents;
    private boolean catchingUp = true;
    private long tail;
    /**
     * Whether the session's producer waits for this subscriber when it is behind ({@link Channel#awaitLiveRoom}):
     * cleared when it was too slow ({@link #letGoIfTooSlowLocked}), set again once it has emptied its queue.
     */
    private boolean pacing = true;
    /** When the producer began waiting on this subscriber in the current rate window, 0 when none is open. */
    private long rateWindowStartNanos;
    private long deliveredAtRateWindowStart;

    // Confined to the context.
    /**
     * The commit being delivered (taken off the queue, so no longer counted in it: a subscriber holds at most the
     * queue's limit plus this one) and the index of its next event.
     */
    private List<UniversalEvent> current = List.of();
    private int currentIndex;
    /** Written on the context only; volatile for {@link #pacingBacklogLocked}, on the producer's thread. */
    private volatile long delivered;
    private boolean readingStore;
    private boolean waitingForWritable;
    private volatile boolean closed;

    Subscription(Channel channel, SessionStore store, Context context, EventSink sink, long afterSequence) {
        this.channel = channel;
        this.store = store;
        this.context = context;
        this.sink = sink;
        this.delivered = afterSequence;
        this.tail = afterSequence;
    }

    /**
     * Called by the channel under its lock, on the store's writer thread, with one commit's events of the session:
     * consecutive sequences, oldest first.
     */
    void offerLocked(List<UniversalEvent> events) {
        if (catchingUp || closed || events.isEmpty()) {
            return;
        }
        long first = events.get(0).sequence();
        long last = events.get(events.size() - 1).sequence();
        if (last <= tail) {
            return; // delivered already
        }
        if (first != tail + 1 || last - first != events.size() - 1) {
            catchingUp = true; // a gap: the store has it, read it from there
            return;
        }
        int room = LIVE_QUEUE_LIMIT - queuedEvents;
        if (room <= 0) {
            catchingUp = true; // overflow: the store has them
            return;
        }
        List<UniversalEvent> taken = events.size() <= room ? events : events.subList(0, room);
        queue.add(taken);
        queuedEvents += taken.size();
        tail = taken.get(taken.size() - 1).sequence();
        if (taken.size() < events.size()) {
            catchingUp = true; // the rest overflowed
        }
    }

    /**
     * What the producer waits for: the events this subscriber has been handed and not delivered yet (its queue
     * and the rest of the commit it is delivering, so that each delivery counts as progress), or -1 if it does
     * not pace the producer.
     */
    int pacingBacklogLocked() {
        return pacing && !catchingUp && !closed ? (int) Math.max(0, tail - delivered) : -1;
    }

    /**
     * The producer is waiting and this subscriber may be why: once per {@link Channel#RATE_WINDOW_NANOS}, checks
     * that it delivered at least {@link Channel#MIN_PACING_EVENTS_PER_WINDOW} events, and stops it pacing if not.
     * Returns whether it was let go.
     */
    boolean letGoIfTooSlowLocked(long now) {
        if (pacingBacklogLocked() <= 0) {
            return false;
        }
        long delivered = this.delivered;
        if (rateWindowStartNanos == 0) {
            rateWindowStartNanos = now;
            deliveredAtRateWindowStart = delivered;
            return false;
        }
        if (now - rateWindowStartNanos < Channel.RATE_WINDOW_NANOS) {
            return false;
        }
        rateWindowStartNanos = 0;
        if (delivered - deliveredAtRateWindowStart < Channel.MIN_PACING_EVENTS_PER_WINDOW) {
            pacing = false;
            return true;
        }
        return false;
    }

    void schedulePump() {
        if (!closed && pumpScheduled.compareAndSet(false, true)) {
            context.runOnContext(v -> {
                pumpScheduled.set(false);
                pump();
            });
        }
    }

    private void pump() {
        pumpEvents();
        if (!closed) {
            sink.flush(); // whatever this task delivered, in one write
        }
    }

    private void pumpEvents() {
        // A producer as fast as the client would otherwise keep this loop, and the event loop, busy for seconds.
        int budget = PUMP_BATCH;
        while (!closed && !readingStore && !waitingForWritable) {
            if (budget-- == 0) {
                schedulePump(); // the rest in a later task: other requests on this loop get their turn
                return;
            }
            if (sink.writeQueueFull()) {
                waitingForWritable = true;
                sink.onWritable(() -> {
                    waitingForWritable = false;
                    pump();
                });
                return;
            }
            if (currentIndex < current.size()) {
                if (!deliver(current.get(currentIndex++))) {
                    return;
                }
                continue;
            }
            boolean readFromStore = false;
            synchronized (channel) {
                List<UniversalEvent> next = queue.poll();
                if (next != null) {
                    queuedEvents -= next.size();
                    current = next;
                    currentIndex = 0;
                    channel.wakeProducersLocked();
                } else {
                    current = List.of();
                    currentIndex = 0;
                    pacing = true; // nothing queued: whatever made it slow is over
                    rateWindowStartNanos = 0;
                    if (catchingUp) {
                        if (channel.lastCommittedLocked() <= delivered) {
                            catchingUp = false; // nothing newer exists: from here on, the live queue is complete
                            tail = delivered;
                        } else {
                            readFromStore = true;
                        }
                    }
                }
            }
            if (current.isEmpty()) {
                if (readFromStore) {
                    readPage();
                }
                return; // reading the store, or live and idle
            }
        }
    }

    private void readPage() {
        readingStore = true;
        long from = delivered;
        context.<List<UniversalEvent>>executeBlocking(() -> store.read(channel.sessionId(), from, STORE_PAGE), false)
                .onComplete(result -> {
                    readingStore = false;
                    if (closed) {
                        return;
                    }
                    if (result.failed()) {
                        close();
                        sink.closed(result.cause());
                        return;
                    }
                    for (UniversalEvent event : result.result()) {
                        if (!deliver(event)) {
                            return;
                        }
                    }
                    pump();
                });
    }

    /** Delivers exactly the next event in sequence; anything else (already delivered) is skipped. */
    private boolean deliver(UniversalEvent event) {
        if (event.sequence() != delivered + 1) {
            return !closed;
        }
        delivered = event.sequence();
        if (!sink.deliver(event)) {
            close();
            return false;
        }
        return !closed;
    }

    /** Events waiting in the live queue; never more than {@link #LIVE_QUEUE_LIMIT}. */
    int queued() {
        synchronized (channel) {
            return queuedEvents;
        }
    }

    /** The sequence of the last event handed to the sink. */
    public long delivered() {
        return delivered;
    }

    /** Passes a notice to the sink, on its context. */
    void notice(String text) {
        if (!closed) {
            context.runOnContext(v -> {
                if (!closed) {
                    sink.notice(text);
                }
            });
        }
    }

    /** Ends the subscription from the server side, telling the sink. */
    void closeFromServer() {
        if (!closed) {
            close();
            context.runOnContext(v -> sink.closed(null));
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            channel.remove(this);
        }
    }
}
