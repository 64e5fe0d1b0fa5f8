package dev.sandboxagent.server.events;

import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;

/**
 * A plain Server-Sent Events response for in-memory feeds (server events, log lines): frames may come from any
 * thread and are written on the request's context, in order. A client that cannot keep up is cut off instead of
 * buffered without bound; it reconnects (with Last-Event-ID where the feed has ids).
 */
public final class TextSse {
    private final Context context;
    private final HttpServerResponse response;
    private final long heartbeatTimer;
    private volatile Runnable onClose = () -> { };
    private volatile boolean closed;

    public TextSse(RoutingContext ctx, Duration heartbeat) {
        this.context = ctx.vertx().getOrCreateContext();
        this.response = ctx.response();
        response.setStatusCode(200)
                .setChunked(true)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-cache")
                .putHeader("X-Accel-Buffering", "no");
        response.write(": stream open\n\n");
        this.heartbeatTimer = ctx.vertx().setPeriodic(heartbeat.toMillis(), id -> write(": heartbeat\n\n"));
        response.closeHandler(v -> close());
        response.exceptionHandler(e -> close());
    }

    /** Runs when the stream ends, whoever ends it. */
    public void onClose(Runnable action) {
        this.onClose = action;
        if (closed) {
            action.run();
        }
    }

    /** One frame; {@code id} may be null. The data must be one line (no CR or LF). */
    public void send(Long id, String data) {
        String clean = data.replace('\r', ' ').replace('\n', ' ');
        write((id == null ? "" : "id: " + id + "\n") + "data: " + clean + "\n\n");
    }

    private void write(String frame) {
        context.runOnContext(v -> {
            if (closed || response.closed() || response.ended()) {
                close();
                return;
            }
            if (response.writeQueueFull()) {
                end();
                return;
            }
            response.write(frame);
        });
    }

    public void end() {
        context.runOnContext(v -> {
            close();
            if (!response.ended() && !response.closed()) {
                response.end();
            }
        });
    }

    private void close() {
        if (!closed) {
            closed = true;
            context.owner().cancelTimer(heartbeatTimer);
            onClose.run();
        }
    }
}
