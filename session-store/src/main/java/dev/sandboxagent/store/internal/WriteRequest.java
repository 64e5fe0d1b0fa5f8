package dev.sandboxagent.store.internal;

import dev.sandboxagent.store.EventDraft;
import dev.sandboxagent.store.UniversalEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Work queued for the writer thread. */
sealed interface WriteRequest {

    /** Drafts for one session, group-committed with whatever else is queued. */
    record Append(String sessionId, List<EventDraft> drafts, long acceptedAtMillis,
                  CompletableFuture<List<UniversalEvent>> result) implements WriteRequest {
    }

    /**
     * A synchronous write (create, setState, delete...) run in its own transaction, in queue order with the
     * appends around it.
     *
     * @param description completes "could not ..." in an error message
     */
    record Task<T>(String description, WriteTask<T> work, CompletableFuture<T> result) implements WriteRequest {
    }
}
