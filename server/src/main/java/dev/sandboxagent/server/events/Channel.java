package dev.sandboxagent.server.events;

import dev.sandboxagent.store.UniversalEvent;
import java.util.ArrayList;
import java.util.List;

/** The subscribers of one session and the newest sequence the store has committed for it. */
final class Channel {
    private final String sessionId;
    private final List<Subscription> subscriptions = new ArrayList<>();
    private long lastCommitted;

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
            toWake = List.copyOf(subscriptions);
        }
        toWake.forEach(Subscription::schedulePump);
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
