package dev.sandboxagent.server.internal;

import dev.sandboxagent.agents.AgentCatalog;
import dev.sandboxagent.agents.AgentContext;
import dev.sandboxagent.agents.install.AgentInstaller;
import dev.sandboxagent.server.SandboxAgentServer;
import dev.sandboxagent.server.ServerConfig;
import dev.sandboxagent.server.agents.AgentRoutes;
import dev.sandboxagent.server.events.EventHub;
import dev.sandboxagent.server.events.EventRoutes;
import dev.sandboxagent.server.http.ApiDocument;
import dev.sandboxagent.server.http.BearerAuth;
import dev.sandboxagent.server.http.JsonBodies;
import dev.sandboxagent.server.http.Problems;
import dev.sandboxagent.server.sessions.SessionManager;
import dev.sandboxagent.server.sessions.SessionRoutes;
import dev.sandboxagent.store.SessionStore;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** Wires store, agents, sessions and HTTP together, and takes them down in the reverse order. */
public final class ServerRuntime implements SandboxAgentServer {
    private static final System.Logger LOG = System.getLogger(ServerRuntime.class.getName());
    private static final String VERSION = "0.1.0";

    private final ServerConfig config;
    private final Vertx vertx;
    private final SessionStore store;
    private final EventHub hub;
    private final SessionManager sessions;
    private final HttpServer http;
    private final Router router;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ServerRuntime(ServerConfig config, Vertx vertx, SessionStore store, EventHub hub,
                          SessionManager sessions, HttpServer http, Router router) {
        this.config = config;
        this.router = router;
        this.vertx = vertx;
        this.store = store;
        this.hub = hub;
        this.sessions = sessions;
        this.http = http;
    }

    public static ServerRuntime start(ServerConfig config) {
        SessionStore store = SessionStore.openSqlite(config.dataDir());
        Vertx vertx = Vertx.vertx();
        try {
            EventHub hub = new EventHub(store);
            AgentCatalog catalog = AgentCatalog.builtIn(new AgentContext(agentsDir(config),
                    config.agentEnvironment()));
            SessionManager sessions = new SessionManager(store, catalog, config.dataDir(),
                    Path.of("").toAbsolutePath(), config.agentEnvironment());
            int closedTurns = sessions.closeInterruptedTurns();
            if (closedTurns > 0) {
                LOG.log(Level.INFO, "closed " + closedTurns + " turn(s) cut short by the previous stop");
            }
            ApiDocument api = ApiDocument.load();
            Router router = router(vertx, config, api, store, hub, sessions, catalog);
            HttpServer http = vertx.createHttpServer(new HttpServerOptions()
                            .setHost(config.host())
                            .setPort(config.port())
                            .setCompressionSupported(false))
                    .requestHandler(router)
                    .listen()
                    .toCompletionStage().toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
            ServerRuntime runtime = new ServerRuntime(config, vertx, store, hub, sessions, http, router);
            LOG.log(Level.INFO, "listening on " + config.host() + ":" + http.actualPort() + " " + config);
            return runtime;
        } catch (Exception e) {
            vertx.close();
            store.close();
            Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null
                    ? e.getCause() : e;
            throw new IllegalStateException("server did not start on " + config.host() + ":" + config.port()
                    + ": " + cause.getMessage(), cause);
        }
    }

    /**
     * Where install-agent puts agent CLIs: {@code SANDBOX_AGENT_AGENTS_DIR}, else {@code <data dir>/agents}. A
     * template can bake agents into its image this way while the data dir is a mounted volume.
     */
    static Path agentsDir(ServerConfig config) {
        String configured = config.agentEnvironment().get("SANDBOX_AGENT_AGENTS_DIR");
        return configured != null && !configured.isBlank() ? Path.of(configured).toAbsolutePath()
                : config.dataDir().resolve("agents");
    }

    private static Router router(Vertx vertx, ServerConfig config, ApiDocument api, SessionStore store,
                                 EventHub hub, SessionManager sessions, AgentCatalog catalog) {
        Router router = Router.router(vertx);
        long startedAt = System.currentTimeMillis();
        router.get("/v1/health").handler(ctx -> JsonBodies.send(ctx, 200, Map.of(
                "status", "ok", "version", VERSION, "uptimeMs", System.currentTimeMillis() - startedAt)));
        router.get("/openapi.json").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "application/json").end(api.text()));
        if (config.token() != null) {
            router.route("/v1/*").handler(new BearerAuth(config.token()));
        }
        router.route("/v1/*").handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()));
        EventRoutes events = new EventRoutes(sessions, store, hub, api, config.heartbeat());
        events.mount(router);
        new SessionRoutes(sessions, events, api).mount(router);
        new AgentRoutes(catalog, api, new AgentInstaller(agentsDir(config), config.agentEnvironment()))
                .mount(router);
        router.route().last().handler(ctx -> ctx.fail(404));
        router.route().failureHandler(Problems::handleFailure);
        return router;
    }

    /** The mounted routes, as "METHOD /path/{param}", for checking them against the served document. */
    java.util.Set<String> operations() {
        java.util.Set<String> operations = new java.util.TreeSet<>();
        for (io.vertx.ext.web.Route route : router.getRoutes()) {
            if (route.getPath() == null || route.methods() == null || route.methods().isEmpty()) {
                continue; // cross-cutting handlers (auth, body, fallbacks) have no method
            }
            String path = route.getPath().replaceAll(":([A-Za-z_]+)", "{$1}");
            route.methods().forEach(m -> operations.add(m.name() + " " + path));
        }
        return operations;
    }

    @Override
    public int port() {
        return http.actualPort();
    }

    @Override
    public ServerConfig config() {
        return config;
    }

    /** Order matters: stop taking requests, stop agents, end streams, flush the store, then stop Vert.x. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        LOG.log(Level.INFO, "stopping");
        await(http.close(), Duration.ofSeconds(5));
        sessions.close();
        hub.closeAll();
        store.close();
        await(vertx.close(), Duration.ofSeconds(10));
        LOG.log(Level.INFO, "stopped");
    }

    private static void await(io.vertx.core.Future<?> future, Duration timeout) {
        try {
            future.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.log(Level.WARNING, "shutdown step did not finish cleanly: " + e.getMessage());
        }
    }
}
