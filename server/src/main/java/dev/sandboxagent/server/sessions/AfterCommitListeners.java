package dev.sandboxagent.server.sessions;

import dev.sandboxagent.store.SessionStore;
import dev.sandboxagent.store.UniversalEvent;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * Runs what an append's completion asks for after the commit's listeners instead of before them. The store's
 * writer completes a commit's futures and then calls its listeners (the event hub, which posts the commit's SSE
 * frames to the event loop); a message's 202, posted from the future, would reach the event loop first and wake it
 * on its own. Posted after the hub's, it joins the SSE frames' wake-up (docs/benchmarks.md "Turn cost, session 11").
 * Registered with the store after the hub (see ServerRuntime), so its listener runs after the hub's.
 */
final class AfterCommitListeners implements Consumer<List<UniversalEvent>> {
    private static final System.Logger LOG = dev.sandboxagent.server.http.SafeLog.logger(AfterCommitListeners.class);
    private final ConcurrentLinkedQueue<Runnable> queued = new ConcurrentLinkedQueue<>();

    AfterCommitListeners(SessionStore store) {
        store.onCommit(this);
    }

    /**
     * {@code action} as a completion of an append that the calling thread queues next: when the writer completes
     * it, the action waits for the end of that commit's listeners; when the calling thread runs it (the commit was
     * done before the completion was registered, its listeners possibly too), it runs at once. Must not block.
     */
    Runnable deferred(Runnable action) {
        Thread caller = Thread.currentThread();
        return () -> {
            if (Thread.currentThread() == caller) {
                action.run();
            } else {
                queued.add(action); // on the writer, inside the commit: its listeners, ours last, follow
            }
        };
    }

    /** The commit's listener: on the writer thread, after the listeners registered before this one. */
    @Override
    public void accept(List<UniversalEvent> committed) {
        for (Runnable action = queued.poll(); action != null; action = queued.poll()) {
            try {
                action.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "an action after a commit failed", e); // the others still run
            }
        }
    }
}
