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
     * As {@link #respond(RoutingContext, Pool, Callable, BiConsumer)}, for work that may answer the request itself
     * from another thread (a 202 posted once a commit has stored what it accepts): when {@code work} succeeded and
     * {@code answered} says its answer is on its way, nothing is posted to the event loop, which a completed
     * {@code executeBlocking} with a handler always wakes (docs/benchmarks.md "Turn cost, session 11"). Otherwise the
     * outcome is answered on the event loop as {@code respond} does.
     */
    public static <T> void respondUnlessAnswered(RoutingContext ctx, Pool pool, Callable<T> work,
                                                 java.util.function.BooleanSupplier answered,
                                                 BiConsumer<RoutingContext, T> answer) {
        io.vertx.core.Context eventLoop = io.vertx.core.Vertx.currentContext();
        // No handler on the returned future: a handler is what would post its completion to the event loop.
        Workers.of(ctx).executor(pool).executeBlocking(() -> {
            T result = null;
            Throwable failure = null;
            try {
                result = work.call();
            } catch (Throwable e) { // as executeBlocking would: every failure is answered
                failure = e;
            }
            if (failure == null && answered.getAsBoolean()) {
                return null;
            }
            T ok = result;
            Throwable failed = failure;
            eventLoop.runOnContext(ignored -> {
                if (ctx.response().closed()) {
                    return;
                }
                if (failed == null) {
                    try {
                        answer.accept(ctx, ok);
                    } catch (RuntimeException e) {
                        Problems.send(ctx, Problems.from(e));
                    }
                } else {
                    Problems.send(ctx, Problems.from(failed));
                }
            });
            return null;
        }, false);
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
