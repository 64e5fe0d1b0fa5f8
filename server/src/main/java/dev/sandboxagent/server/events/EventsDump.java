package dev.sandboxagent.server.events;

import dev.sandboxagent.store.SessionStore;
import dev.sandboxagent.store.UniversalEvent;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;

/**
 * {@code GET .../events} without {@code limit}: every event of the session, as the anchor answers it, in the
 * same {@code {"events": [...], "hasMore": false}} body as a page. A transcript can hold millions of events, so it
 * is never one list in memory: pages are read from the store on a worker thread and written out as chunks, and
 * the next page is read only once the response has room (a slow client holds one page, not the transcript).
 *
 * <p>It ends at the newest event stored when the request came ({@code lastSequence}): a session that keeps
 * producing events cannot keep the response open forever. A client that wants what came after reads from there.
 *
 * <p>Each event is written as the bytes the store keeps for it (raw spliced in when asked for): nothing is encoded.
 */
final class EventsDump {
    static final int PAGE = 512;

    private final SessionStore store;
    private final Context context;
    private final HttpServerResponse response;
    private final String sessionId;
    private final long lastSequence;
    private final boolean includeRaw;
    private long delivered;
    private boolean first = true;

    private EventsDump(SessionStore store, Context context, HttpServerResponse response, String sessionId,
                       long afterSequence, long lastSequence, boolean includeRaw) {
        this.store = store;
        this.context = context;
        this.response = response;
        this.sessionId = sessionId;
        this.delivered = afterSequence;
        this.lastSequence = lastSequence;
        this.includeRaw = includeRaw;
    }

    /** Starts the response; must run on the request's context. */
    static void start(SessionStore store, Context context, HttpServerResponse response, String sessionId,
                      long afterSequence, long lastSequence, boolean includeRaw) {
        response.setStatusCode(200).setChunked(true).putHeader("Content-Type", "application/json");
        response.write("{\"events\":[");
        new EventsDump(store, context, response, sessionId, afterSequence, lastSequence, includeRaw).next();
    }

    private void next() {
        if (response.closed()) {
            return;
        }
        if (delivered >= lastSequence) {
            response.end("],\"hasMore\":false}");
            return;
        }
        long from = delivered;
        int limit = (int) Math.min(PAGE, lastSequence - from);
        context.<List<UniversalEvent>>executeBlocking(() -> store.read(sessionId, from, limit), false)
                .onComplete(result -> {
                    if (response.closed()) {
                        return;
                    }
                    if (result.failed() || result.result().isEmpty()) {
                        // Deleted meanwhile, or the store failed: the status is sent, so cut the body short
                        // (invalid JSON), rather than pass a partial transcript off as complete.
                        response.reset();
                        return;
                    }
                    Buffer chunk = Buffer.buffer();
                    for (UniversalEvent event : result.result()) {
                        if (!first) {
                            chunk.appendByte((byte) ',');
                        }
                        chunk.appendBytes(event.encoded(includeRaw));
                        first = false;
                        delivered = event.sequence();
                    }
                    response.write(chunk);
                    if (response.writeQueueFull()) {
                        response.drainHandler(v -> {
                            response.drainHandler(null);
                            next();
                        });
                    } else {
                        next();
                    }
                });
    }
}
