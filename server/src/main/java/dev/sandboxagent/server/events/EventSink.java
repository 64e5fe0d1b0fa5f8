package dev.sandboxagent.server.events;

import dev.sandboxagent.store.UniversalEvent;

/**
 * Where a subscription delivers events: an SSE response, a WebSocket, a test. All calls happen on the
 * subscription's Vert.x context.
 */
interface EventSink {

    /**
     * Takes one event; the sink may hold it until {@link #flush()}. Returns false to end the subscription after this
     * event (a finished turn stream): the sink then sends what it holds itself.
     */
    boolean deliver(UniversalEvent event);

    /**
     * Sends what {@link #deliver} has taken so far. Called at the end of every delivery task, so that a commit's
     * events (a turn's five, a page read from the store) go out in one write and one flush, not one each.
     */
    default void flush() {
    }

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
