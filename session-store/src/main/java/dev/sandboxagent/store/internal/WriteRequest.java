package dev.sandboxagent.store.internal;

import dev.sandboxagent.store.EventDraft;
import dev.sandboxagent.store.UniversalEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Work queued for the writer thread. */
sealed interface WriteRequest {

    /**
     * Drafts for one session, group-committed with whatever else is queued.
     *
     * @param essential written even while the disk is full, from the store's reserve (see {@link Headroom})
     */
    record Append(String sessionId, List<EventDraft> drafts, long acceptedAtMillis,
                  CompletableFuture<List<UniversalEvent>> result, boolean essential) implements WriteRequest {
    }

    /**
     * A synchronous write (create, setState, delete...) run in its own transaction, in queue order with the
     * appends around it.
     *
     * @param description completes "could not ..." in an error message
     * @param essential   run even while the disk is full (a session's state), not refused untried
     */
    record Task<T>(String description, WriteTask<T> work, CompletableFuture<T> result, boolean essential)
            implements WriteRequest {
    }
}
