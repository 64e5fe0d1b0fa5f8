package dev.sandboxagent.server.http;

import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;

/**
 * Runs a blocking call (store, disk, process) on one of the server's named worker pools ({@link Workers}) and
 * answers on the event loop. Unordered, so one slow session never queues the requests of another behind it.
 */
public final class Blocking {
    /** Which pool: agent starts (create, resume) apart from everything else. */
    public enum Pool { ROUTES, AGENT_STARTS }

    private Blocking() {
    }

    public static <T> void respond(RoutingContext ctx, Callable<T> work, BiConsumer<RoutingContext, T> answer) {
        respond(ctx, Pool.ROUTES, work, answer);
    }

    public static <T> void respond(RoutingContext ctx, Pool pool, Callable<T> work,
                                   BiConsumer<RoutingContext, T> answer) {
        Workers.of(ctx).executor(pool).<T>executeBlocking(work, false).onComplete(result -> {
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

    /**
     * Only runs {@code work} on the route pool, for a handler that answers in its own way (a stream already
     * open); the future completes on the request's event loop.
     */
    public static <T> Future<T> submit(RoutingContext ctx, Callable<T> work) {
        return Workers.of(ctx).executor(Pool.ROUTES).executeBlocking(work, false);
    }

    /** For calls whose success is an empty 204. */
    public static void noContent(RoutingContext ctx, Runnable work) {
        respond(ctx, () -> {
            work.run();
            return Boolean.TRUE;
        }, (c, ignored) -> c.response().setStatusCode(204).end());
    }
}
