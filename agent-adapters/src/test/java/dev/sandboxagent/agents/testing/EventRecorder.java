package dev.sandboxagent.agents.testing;

import dev.sandboxagent.agents.AgentEvent;
import dev.sandboxagent.agents.AgentExit;
import dev.sandboxagent.agents.AgentListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Collects what an agent reports and lets a test wait for it. */
public final class EventRecorder implements AgentListener {
    private final Duration wait;
    private final List<AgentEvent> events = new ArrayList<>();
    /** The types of each group of events given together ({@link #onEvents}). */
    private final List<List<String>> batches = new ArrayList<>();
    public final CompletableFuture<AgentExit> exit = new CompletableFuture<>();

    public EventRecorder(Duration wait) {
        this.wait = wait;
    }

    @Override
    public synchronized void onEvent(AgentEvent event) {
        events.add(event);
        notifyAll();
    }

    @Override
    public synchronized void onEvents(List<AgentEvent> given) {
        batches.add(given.stream().map(AgentEvent::type).toList());
        given.forEach(this::onEvent);
    }

    /** The types of each group of events the agent's process gave together, in order. */
    public synchronized List<List<String>> batches() {
        return List.copyOf(batches);
    }

    @Override
    public synchronized void onExit(AgentExit exit) {
        this.exit.complete(exit);
        notifyAll();
    }

    public synchronized List<AgentEvent> events() {
        return List.copyOf(events);
    }

    public synchronized int size() {
        return events.size();
    }

    /** The first event from index {@code from} on that matches. */
    public synchronized AgentEvent await(int from, Predicate<AgentEvent> condition) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        int checked = from;
        while (true) {
            for (; checked < events.size(); checked++) {
                if (condition.test(events.get(checked))) {
                    return events.get(checked);
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("not seen within " + wait + "; got " + types());
            }
            wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
    }

    public static Predicate<AgentEvent> type(String type) {
        return e -> e.type().equals(type);
    }

    public synchronized List<String> types() {
        return events.stream().map(AgentEvent::type).toList();
    }
}
