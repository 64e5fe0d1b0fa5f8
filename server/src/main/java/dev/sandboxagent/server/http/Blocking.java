package dev.sandboxagent.server.http;

import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;

/**
 * Runs a blocking call (store, process) on a worker thread and answers on the event loop. Unordered, so one
 * slow session never queues the requests of another behind it.
 */
public final class Blocking {
    private Blocking() {
    }

    public static <T> void respond(RoutingContext ctx, Callable<T> work, BiConsumer<RoutingContext, T> answer) {
        Vertx vertx = ctx.vertx();
        vertx.<T>executeBlocking(work, false).onComplete(result -> {
            if (ctx.response().closed()) {
                return;
            }
            if (result.succeeded()) {
                try {
                    answer.accept(ctx, result.result());
                } catch (RuntimeException e) {
                    Problems.send(ctx, Problems.from(e));
                }
            } else {
                Problems.send(ctx, Problems.from(result.cause()));
            }
        });
    }

    /** For calls whose success is an empty 204. */
    public static void noContent(RoutingContext ctx, Runnable work) {
        respond(ctx, () -> {
            work.run();
            return Boolean.TRUE;
        }, (c, ignored) -> c.response().setStatusCode(204).end());
    }
}
