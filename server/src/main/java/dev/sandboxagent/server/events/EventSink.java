package dev.sandboxagent.server.events;

import dev.sandboxagent.store.UniversalEvent;

/**
 * Where a subscription delivers events: an SSE response, a WebSocket, a test. All calls happen on the
 * subscription's Vert.x context.
 */
interface EventSink {

    /** Writes one event. Returns false to end the subscription after this event (a finished turn stream). */
    boolean deliver(UniversalEvent event);

    /** True when the transport's buffer is full: delivery pauses until {@link #onWritable} fires. */
    boolean writeQueueFull();

    /** Registers a one-shot callback for when the transport can take more. */
    void onWritable(Runnable resume);

    /**
     * Something the client should know that is not (yet) an event, such as events the store could not write: one
     * line of text, shown as an SSE comment. Nothing by default.
     */
    default void notice(String text) {
    }

    /** The subscription ended from the server side (session deleted, server stopping, read failure). */
    void closed(Throwable failure);
}
