package dev.sandboxagent.server.events;

import dev.sandboxagent.store.SessionRecord;
import dev.sandboxagent.store.SessionStore;
import dev.sandboxagent.store.UniversalEvent;
import io.vertx.core.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * Fans committed events out to subscribers. It listens to the store's commits, so an event reaches a subscriber
 * only after it is durable (docs/architecture.md "One path for every event"), and replay and live delivery come from the same log.
 * The events it passes on carry the bytes the store wrote ({@link UniversalEvent#encoded()}), which the sinks write
 * as they are: fanning out encodes nothing, whatever the number of subscribers.
 */
public final class EventHub implements Consumer<List<UniversalEvent>> {
    private final SessionStore store;
    private final ConcurrentHashMap<String, Channel> channels = new ConcurrentHashMap<>();

    public EventHub(SessionStore store) {
        this.store = store;
        store.onCommit(this);
        store.paceAppends(this::beforeAppend);
    }

    /**
     * The store's pacer: before a producer (an agent's output reader) queues more events of a session, waits while
     * a live subscriber of that session is too far behind to take them into its queue (see {@link
     * Channel#awaitLiveRoom}). Never waits on an event loop.
     */
    private void beforeAppend(String sessionId, int events, IntSupplier queuedInStore) throws InterruptedException {
        if (Context.isOnEventLoopThread()) {
            return;
        }
        Channel channel = channels.get(sessionId);
        if (channel != null) {
            channel.awaitLiveRoom(events, queuedInStore);
        }
    }

    /** Store commit listener: runs on the writer thread, must not block. */
    @Override
    public void accept(List<UniversalEvent> batch) {
        if (batch.isEmpty()) {
            return;
        }
        if (oneSession(batch)) { // the usual commit: handed on as it is, not copied
            String sessionId = batch.get(0).sessionId();
            long newest = batch.get(batch.size() - 1).sequence();
            channels.computeIfAbsent(sessionId, id -> new Channel(id, newest)).committed(batch);
            return;
        }
        Map<String, List<UniversalEvent>> bySession = new LinkedHashMap<>();
        for (UniversalEvent event : batch) {
            bySession.computeIfAbsent(event.sessionId(), id -> new ArrayList<>()).add(event);
        }
        bySession.forEach((sessionId, events) -> {
            long newest = events.get(events.size() - 1).sequence();
            channels.computeIfAbsent(sessionId, id -> new Channel(id, newest)).committed(events);
        });
    }

    private static boolean oneSession(List<UniversalEvent> batch) {
        String first = batch.get(0).sessionId();
        for (UniversalEvent event : batch) {
            if (!event.sessionId().equals(first)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Subscribes to the events of a session with sequence greater than {@code afterSequence}: the stored ones
     * first, then live ones as they commit. Does not block: stored events are read on a worker thread, and
     * everything is delivered on {@code context}.
     */
    public Subscription subscribe(SessionRecord session, long afterSequence, Context context, EventSink sink) {
        Channel channel = channels.computeIfAbsent(session.sessionId(),
                id -> new Channel(id, session.lastSequence()));
        // The record may be newer than a channel that existed already; never let lastCommitted go backwards.
        channel.raiseLastCommitted(session.lastSequence());
        Subscription subscription = new Subscription(channel, store, context, sink, afterSequence);
        channel.add(subscription);
        subscription.schedulePump();
        return subscription;
    }

    /** Tells every subscriber of a session something that is not an event (an SSE comment). */
    public void notice(String sessionId, String text) {
        Channel channel = channels.get(sessionId);
        if (channel != null) {
            channel.noticeAll(text);
        }
    }

    /** Ends every subscription of a session (it was deleted). */
    public void closeSession(String sessionId) {
        Channel channel = channels.remove(sessionId);
        if (channel != null) {
            channel.closeAll();
        }
    }

    /** Ends every subscription (server stopping). */
    public void closeAll() {
        channels.values().forEach(Channel::closeAll);
    }
}
