package dev.sandboxagent.server.events;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Server-level happenings (a warm process or the Docker engine changed state), as opposed to a session's events:
 * kept in memory only, never in the session store, numbered from 1 per server run. The newest {@code capacity}
 * stay available so a reconnecting stream can resume with Last-Event-ID.
 */
public final class ServerEvents {
    /** One event; {@code time} in epoch milliseconds. */
    public record ServerEvent(long sequence, String type, long time, Object data) {
    }

    private final int capacity;
    private final ArrayDeque<ServerEvent> recent = new ArrayDeque<>();
    private final List<Consumer<ServerEvent>> subscribers = new CopyOnWriteArrayList<>();
    private long lastSequence;

    public ServerEvents(int capacity) {
        this.capacity = capacity;
    }

    public void publish(String type, Object data) {
        synchronized (this) {
            ServerEvent event = new ServerEvent(++lastSequence, type, System.currentTimeMillis(), data);
            recent.addLast(event);
            if (recent.size() > capacity) {
                recent.removeFirst();
            }
            // Under the lock, so each subscriber sees events in sequence order and none twice.
            subscribers.forEach(s -> s.accept(event));
        }
    }

    /**
     * The kept events after {@code afterSequence}, handed to {@code backlog}, then every new one to
     * {@code live} (called under a lock: it must not block). Returns the unsubscribe action.
     */
    public synchronized Runnable subscribe(long afterSequence, Consumer<List<ServerEvent>> backlog,
                                           Consumer<ServerEvent> live) {
        backlog.accept(recent.stream().filter(e -> e.sequence() > afterSequence).toList());
        subscribers.add(live);
        return () -> subscribers.remove(live);
    }

    public synchronized List<ServerEvent> recent() {
        return List.copyOf(recent);
    }
}
