package dev.sandboxagent.store;

import java.util.function.IntSupplier;

/**
 * May hold back a producer whose events the readers of its session are not taking as fast as it appends them
 * (see {@link SessionStore#paceAppends}). The write queue's own bound is the store's backpressure; this is the
 * readers'.
 */
@FunctionalInterface
public interface AppendPacer {
    AppendPacer NONE = (sessionId, events, queued) -> { };

    /**
     * Called on the appending thread before an append of {@code events} events of {@code sessionId} is queued;
     * never on the store's writer thread. It may wait, but must return: the append is queued when it does.
     *
     * @param queued how many events of the session wait in the write queue at the time it is called
     */
    void beforeAppend(String sessionId, int events, IntSupplier queued) throws InterruptedException;
}
