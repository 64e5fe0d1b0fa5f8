package dev.sandboxagent.server.http;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.TimeUnit;

/**
 * The server's two named, bounded worker pools: one for route work that may block (store, disk, short process
 * calls) and one for agent starts, which can take up to a minute each and must never hold up the short calls. As
 * the router's first handler it puts itself on every request, where {@link Blocking} finds it. Vert.x closes both
 * pools when it closes.
 */
public final class Workers implements Handler<RoutingContext> {
    public static final String ROUTES_POOL = "sandbox-agent-blocking";
    public static final String AGENT_STARTS_POOL = "sandbox-agent-agent-start";
    private static final String KEY = Workers.class.getName();

    private final WorkerExecutor routes;
    private final WorkerExecutor agentStarts;

    /** Sizes come from {@code ServerConfig.Limits} (passed as numbers: http must not depend on the config's package). */
    public Workers(Vertx vertx, int blockingThreads, int agentStartThreads) {
        // Vert.x warns about a worker task after this long; an agent start has its own minute-long limit inside.
        this.routes = vertx.createSharedWorkerExecutor(ROUTES_POOL, blockingThreads, 60, TimeUnit.SECONDS);
        this.agentStarts = vertx.createSharedWorkerExecutor(AGENT_STARTS_POOL, agentStartThreads, 3,
                TimeUnit.MINUTES);
    }

    @Override
    public void handle(RoutingContext ctx) {
        ctx.put(KEY, this);
        ctx.next();
    }

    WorkerExecutor executor(Blocking.Pool pool) {
        return pool == Blocking.Pool.AGENT_STARTS ? agentStarts : routes;
    }

    static Workers of(RoutingContext ctx) {
        Workers workers = ctx.get(KEY);
        if (workers == null) {
            throw new IllegalStateException("no worker pools on this request: mount Workers as the first handler");
        }
        return workers;
    }
}
