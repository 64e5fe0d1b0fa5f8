package dev.sandboxagent.store.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.sandboxagent.store.EventDraft;
import dev.sandboxagent.store.StoreException;
import dev.sandboxagent.store.UniversalEvent;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The appends one commit stores. They are numbered and encoded before the transaction begins, so the transaction
 * only inserts; their sequences become the sessions' committed ones only if the commit succeeds; and their
 * futures are completed (or failed) together afterwards, in the order the appends were queued.
 */
final class AppendBatch {
    /** One queued append: its events, or why it was refused before the transaction. */
    private record Entry(WriteRequest.Append request, List<UniversalEvent> events, StoreException refusal) {
    }

    private final List<Entry> entries;
    private final Map<String, Long> newestBySession;
    private final List<UniversalEvent> rows;

    private AppendBatch(List<Entry> entries, Map<String, Long> newestBySession) {
        this.entries = entries;
        this.newestBySession = newestBySession;
        int count = 0;
        for (Entry entry : entries) {
            count += entry.events().size();
        }
        List<UniversalEvent> all = new ArrayList<>(count); // a loop: the stream's machinery cost more per commit
        for (Entry entry : entries) {
            all.addAll(entry.events());
        }
        this.rows = java.util.Collections.unmodifiableList(all);
    }

    /**
     * Numbers each append's drafts after the session's newest committed sequence, or after the previous append of
     * the same session in this batch. Refuses appends of sessions deleted since {@code append} accepted them.
     */
    static AppendBatch prepare(List<WriteRequest.Append> appends, SessionSequences sequences,
                               UniversalEvent.Encoder encoder) {
        List<Entry> entries = new ArrayList<>(appends.size());
        Map<String, Long> newest = new LinkedHashMap<>();
        for (WriteRequest.Append append : appends) {
            String sessionId = append.sessionId();
            Long previous = newest.containsKey(sessionId) ? newest.get(sessionId) : sequences.newest(sessionId);
            if (previous == null) {
                entries.add(new Entry(append, List.of(), StoreFailures.unknownSession(sessionId)));
                continue;
            }
            try {
                List<UniversalEvent> events = encode(append, previous, encoder);
                newest.put(sessionId, previous + events.size());
                entries.add(new Entry(append, events, null));
            } catch (JsonProcessingException | RuntimeException e) {
                // Typed data writes itself here, on the writer thread (EventDraft.TypedData): whatever it throws
                // fails its own append, never the writer, which serves every session.
                // Nothing of the payload in the message: it may hold a secret. The cause names the failing type.
                entries.add(new Entry(append, List.of(), new StoreException("could not encode an event of session '"
                        + sessionId + "' as JSON; none of its " + append.drafts().size() + " events was stored", e)));
            }
        }
        return new AppendBatch(entries, newest);
    }

    boolean hasEvents() {
        return !rows.isEmpty();
    }

    int eventCount() {
        return rows.size();
    }

    /** Inserts the events and moves each session's last_sequence, inside the caller's transaction. */
    void write(KeptStatements statements, long now) throws SQLException {
        EventTable.insert(statements, rows);
        SessionTable.updateLastSequences(statements, newestBySession, now);
    }

    /** After the commit: the sessions' numbering continues after this batch. */
    void committed(SessionSequences sequences) {
        sequences.committed(newestBySession);
    }

    /** The committed events of the whole batch, in queue order (so in sequence order per session). */
    List<UniversalEvent> events() {
        return rows;
    }

    /** Completes every future in queue order: refused ones with their refusal, the others with their events. */
    void complete() {
        for (Entry entry : entries) {
            if (entry.refusal() != null) {
                entry.request().result().completeExceptionally(entry.refusal());
            } else {
                entry.request().result().complete(entry.events());
            }
        }
    }

    /** The transaction failed and was rolled back: fails every future in queue order, each saying what it lost. */
    void fail(Exception cause, Path file) {
        for (Entry entry : entries) {
            WriteRequest.Append request = entry.request();
            request.result().completeExceptionally(entry.refusal() != null ? entry.refusal()
                    : StoreFailures.appendFailed(cause, request.drafts().size(), request.sessionId(), file));
        }
    }

    private static List<UniversalEvent> encode(WriteRequest.Append append, long previous,
                                               UniversalEvent.Encoder encoder) throws JsonProcessingException {
        String time = EventCodec.time(append.acceptedAtMillis());
        List<EventDraft> drafts = append.drafts();
        List<UniversalEvent> events = new ArrayList<>(drafts.size());
        long sequence = previous;
        for (EventDraft draft : drafts) {
            sequence++;
            // The one encoding of this event: the hub, replay and pages send these bytes as they are.
            events.add(encoder.encode(EventCodec.newEventId(), sequence, time, append.sessionId(), draft));
        }
        return events;
    }
}
