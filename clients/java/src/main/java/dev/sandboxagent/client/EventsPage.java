package dev.sandboxagent.client;

import java.util.List;

/** One page of a transcript: events with {@code sequence > offset}, and whether more follow this page. */
public record EventsPage(List<UniversalEvent> events, boolean hasMore) {

    public EventsPage {
        events = events == null ? List.of() : List.copyOf(events);
    }

    /** The sequence of the last event on this page, or {@code offset} when the page is empty. */
    public long lastSequence(long offset) {
        return events.isEmpty() ? offset : events.get(events.size() - 1).sequence();
    }
}
