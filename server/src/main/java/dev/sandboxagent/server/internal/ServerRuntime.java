package dev.sandboxagent.server.internal;

import dev.sandboxagent.agents.AgentCatalog;
import dev.sandboxagent.agents.AgentContext;
import dev.sandboxagent.agents.install.AgentInstaller;
import dev.sandboxagent.server.SandboxAgentServer;
import dev.sandboxagent.server.ServerConfig;
import dev.sandboxagent.server.files.DataDirectory;
import dev.sandboxagent.server.agents.AgentInstalls;
import dev.sandboxagent.server.agents.AgentRoutes;
import dev.sandboxagent.server.docker.DockerEngine;
import dev.sandboxagent.server.docker.DockerRoutes;
import dev.sandboxagent.server.events.ServerEventRoutes;
import dev.sandboxagent.server.events.ServerEvents;
import dev.sandboxagent.server.warm.ProcessRoutes;
import dev.sandboxagent.server.warm.Supervisor;
import dev.sandboxagent.server.warm.WarmConfigFile;
import dev.sandboxagent.server.warm.WarmProcessSpec;
import dev.sandboxagent.server.events.EventHub;
import dev.sandboxagent.server.events.EventRoutes;
import dev.sandboxagent.server.http.ApiDocument;
import dev.sandboxagent.server.http.BearerAuth;
import dev.sandboxagent.server.http.EdgeGuard;
import dev.sandboxagent.server.http.Blocking;
import dev.sandboxagent.server.http.Problems;
import dev.sandboxagent.server.http.Workers;
import dev.sandboxagent.server.sessions.CrashRepair;
import dev.sandboxagent.server.sessions.SessionManager;
import dev.sandboxagent.server.sessions.SessionRoutes;
import dev.sandboxagent.store.SessionStore;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** Wires store, agents, sessions and HTTP together, and takes them down in the reverse order. */
public final class ServerRuntime implements SandboxAgentServer {
    private static final System.Logger LOG = System.getLogger(ServerRuntime.class.getName());
    private static final String VERSION = "0.1.0";
    /** Vert.x's switch from Netty's DNS resolver to the JDK's (see {@link #start}). */
    static final String DISABLE_DNS_RESOLVER = "vertx.disableDnsResolver";

    private final ServerConfig config;
    private final Vertx vertx;
    private final SessionStore store;
    private final EventHub hub;
    private final SessionManager sessions;
    private final HttpServer http;
    private final Router router;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Warm warm;

    /** The warm side of the server: processes, the engine among them, and the in-memory feed of their changes. */
    private record Warm(Supervisor supervisor, DockerEngine docker, ServerEvents events,
                        ServerEventRoutes eventRoutes) {
        static Warm create(ServerConfig config) {
            Supervisor supervisor = new Supervisor(config.dataDir().resolve("logs"));
            ServerEvents events = new ServerEvents(1000);
            supervisor.onChange(status -> events.publish("process.state", status));
            DockerEngine docker = new DockerEngine(config.docker(), config.dataDir(),
                    config.agentEnvironment().get("PATH"), supervisor,
                    status -> events.publish("docker.state", status));
            return new Warm(supervisor, docker, events, new ServerEventRoutes(events, config.heartbeat()));
        }

        /** After the port is bound: a server that cannot listen must not have started an engine first. */
        void start(ServerConfig config) {
            List<WarmProcessSpec> declared = config.warmConfig() == null ? List.of()
                    : WarmConfigFile.load(config.warmConfig());
            docker.start();
            declared.forEach(supervisor::start);
        }

        Map<String, String> agentEnvironment() {
            return docker.dockerHost().map(host -> Map.of("DOCKER_HOST", host)).orElse(Map.of());
        }
    }

    private ServerRuntime(ServerConfig config, Vertx vertx, SessionStore store, EventHub hub,
                          SessionManager sessions, HttpServer http, Router router, Warm warm) {
        this.warm = warm;
        this.config = config;
        this.router = router;
        this.vertx = vertx;
        this.store = store;
        this.hub = hub;
        this.sessions = sessions;
        this.http = http;
    }

    public static ServerRuntime start(ServerConfig config) {
        StartClock clock = new StartClock();
        // Two independent pieces of the start, each mostly class loading and static initialisation (measured, see
        // docs/benchmarks.md "Start-up variants"): Vert.x and Netty, and the store (sqlite-jdbc and its native
        // library). Vert.x is made on a thread of its own while this one opens the store, so a machine with a second
        // core spends their time side by side. (The OpenAPI document, a third piece until session 12, is read by the
        // first request that needs it: docs/benchmarks.md "Idle RSS, session 12".)
        // Netty 4.2 reports buffer allocations as JFR events; its first allocation (the first request) then loads
        // and registers JFR's event machinery (~100 classes, measured: a good part of the first request's time)
        // whether or not anyone records. Off unless the operator asks for it (-Dio.netty.jfr.enabled=true).
        if (System.getProperty("io.netty.jfr.enabled") == null) {
            System.setProperty("io.netty.jfr.enabled", "false");
        }
        // The server resolves no names: it listens on an address and makes no Vert.x client connections (agents and
        // the engine are processes and Unix sockets). Vert.x would still build Netty's asynchronous DNS resolver
        // when it starts (reading resolv.conf and hosts, 70 classes, measured in docs/benchmarks.md "Server start
        // and idle RSS"); with this it uses the JDK's resolver (InetAddress). The operator's own setting wins.
        if (System.getProperty(DISABLE_DNS_RESOLVER) == null) {
            System.setProperty(DISABLE_DNS_RESOLVER, "true");
        }
        // A task that holds an event loop longer than this is logged by Vert.x (the tests fail on that log).
        // Checked twice per limit (at most each second, Vert.x's default), so a task just past it is seen.
        long limitNanos = config.limits().eventLoopWarning().toNanos();
        // The options are made on the Vert.x thread too: VertxOptions' static initialiser asks Netty for the number of
        // cores, which initialises Netty's PlatformDependent (its platform probing, ~300 classes: most of the "data
        // dir" step's CPU on this thread before, docs/benchmarks.md "Server start, session 9"), work that nothing this
        // thread does before it joins Vert.x needs.
        CompletableFuture<Vertx> vertxStarting = CompletableFuture.supplyAsync(() -> Vertx.vertx(vertxOptions(
                limitNanos)), task -> startThread("start-vertx", task));
        SessionStore store;
        try {
            // Before anything is written there: transcripts and the token are for this user only.
            java.util.Set<Path> notOurs = new java.util.HashSet<>();
            if (config.docker().dataRoot() != null) {
                notOurs.add(config.docker().dataRoot());
            }
            if (config.docker().execRoot() != null) {
                notOurs.add(config.docker().execRoot());
            }
            DataDirectory.prepare(config.dataDir(), notOurs);
            clock.mark("data dir");
            store = SessionStore.openSqlite(config.dataDir());
            clock.mark("store");
        } catch (RuntimeException e) {
            vertxStarting.thenAccept(Vertx::close);
            throw e;
        }
        Vertx vertx;
        try {
            vertx = vertxStarting.join();
        } catch (java.util.concurrent.CompletionException e) {
            store.close();
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
        Workers workers = new Workers(vertx, config.limits().blockingThreads(),
                config.limits().agentStartThreads());
        clock.mark("vertx (waited)");
        Warm warm = null;
        try {
            warm = Warm.create(config);
            EventHub hub = new EventHub(store);
            // An agent's output reader (or a worker starting a turn) commits its own small append while the store's
            // writer is idle: one thread hand-off less on every event's way to its subscribers (docs/benchmarks.md,
            // "Latency, session 13"). Never an event loop: a commit can take milliseconds.
            store.commitOnAppendingThreadWhen(() -> !io.vertx.core.Context.isOnEventLoopThread());
            IdleCollection.start(vertx, store);
            clock.mark("warm");
            AgentCatalog catalog = AgentCatalog.builtIn(new AgentContext(config.agentsDir(),
                    config.agentEnvironment(), config.agentExecutables()));
            clock.mark("agents");
            Warm w = warm;
            SessionManager sessions = new SessionManager(store, catalog, config.dataDir(),
                    Path.of("").toAbsolutePath(), config.agentEnvironment(), w::agentEnvironment);
            sessions.onNotice(hub::notice);
            AgentInstalls installs = new AgentInstalls(new AgentInstaller(config.agentsDir(),
                    config.agentEnvironment(), config.limits().installTimeout()), w.events());
            sessions.onMissingAgent(installs);
            int closedTurns = new CrashRepair(store).closeInterruptedTurns();
            if (closedTurns > 0) {
                LOG.log(Level.INFO, "closed " + closedTurns + " turn(s) cut short by the previous stop");
            }
            clock.mark("turn repair");
            // Read by the first request that needs it, not here (see the /v1/* hook in router()).
            ApiDocument api = ApiDocument.load();
            Router router = router(vertx, workers, config, api, store, hub, sessions, catalog, warm, installs);
            clock.mark("router");
            HttpServer http = vertx.createHttpServer(new HttpServerOptions()
                            .setHost(config.host())
                            .setPort(config.port())
                            .setCompressionSupported(false))
                    .requestHandler(router)
                    .invalidRequestHandler(Problems::invalidRequest)
                    .listen()
                    .toCompletionStage().toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
            clock.mark("listen");
            warm.start(config);
            clock.mark("warm start");
            ServerRuntime runtime = new ServerRuntime(config, vertx, store, hub, sessions, http, router, warm);
            // Debug level: the CLI prints the address on stdout ("sandbox-agent listening on ..."). At INFO this was
            // the start's only log record, and the first record a JVM publishes pays for java.util.logging's
            // formatter (the time zone database, the level's resource bundle, a stack walk for the caller) on the
            // main thread while the first health request is answered (docs/benchmarks.md "A static archive for the
            // server": ~0.1 s of CPU to healthy at load).
            LOG.log(Level.DEBUG, () -> "listening on " + config.host() + ":" + http.actualPort() + " " + config);
            clock.log();
            return runtime;
        } catch (Exception e) {
            if (warm != null) {
                warm.docker().close();
                warm.supervisor().close();
            }
            vertx.close();
            store.close();
            Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null
                    ? e.getCause() : e;
            throw new IllegalStateException("server did not start on " + config.host() + ":" + config.port()
                    + ": " + cause.getMessage(), cause);
        }
    }

    /** Vert.x's options: the event-loop checks at the configured limit, no class-path file resolving or caching. */
    private static VertxOptions vertxOptions(long limitNanos) {
        return new VertxOptions()
                .setMaxEventLoopExecuteTime(limitNanos)
                .setMaxEventLoopExecuteTimeUnit(TimeUnit.NANOSECONDS)
                .setBlockedThreadCheckInterval(Math.min(TimeUnit.SECONDS.toNanos(1), limitNanos / 2))
                .setBlockedThreadCheckIntervalUnit(TimeUnit.NANOSECONDS)
                // with the blocked thread's stack, which says what held it
                .setWarningExceptionTime(limitNanos)
                .setWarningExceptionTimeUnit(TimeUnit.NANOSECONDS)
                // The server serves no files from the class path (the OpenAPI document is read as a resource, not
                // through Vert.x). With class-path resolving on, Vert.x makes a cache directory in the temp dir at
                // every start (vertx-cache-<uuid>) and registers a hook to remove it: a killed server leaves it
                // behind (hundreds of them in /tmp on the test machine).
                .setFileSystemOptions(new FileSystemOptions().setClassPathResolvingEnabled(false)
                        .setFileCachingEnabled(false));
    }

    private static void startThread(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
    }

    private static Router router(Vertx vertx, Workers workers, ServerConfig config, ApiDocument api,
                                 SessionStore store, EventHub hub, SessionManager sessions, AgentCatalog catalog,
                                 Warm warm, AgentInstalls installs) {
        Router router = Router.router(vertx);
        // First: every handler after it may hand blocking work to the server's pools (Blocking).
        router.route().handler(workers);
        // Host, Origin and content type, for every route and before auth (see EdgeGuard for why in that order).
        router.route().handler(new EdgeGuard(config.host(), config.corsOrigins()));
        long startedAt = System.currentTimeMillis();
        // The engine's state is reported, never judged: an absent or crashed engine does not make the server unwell.
        // Bodies are read before any handler answers, even where they are ignored: a body that turns out to be
        // malformed (a bad chunk) is then answered with a problem instead of cutting off an answer already sent.
        BodyHandler bodies = BodyHandler.create(false).setBodyLimit(config.maxBodyBytes());
        router.get("/v1/health").handler(bodies).handler(ctx -> Blocking.respond(ctx,
                () -> warm.docker().status().state(),
                // Written by hand (HealthAnswer), not through JsonBodies or a JsonObject: the first request after a
                // start (a health poll) then needs neither Jackson databind (~390 classes and a mapper) nor Jackson's
                // codec and generator (~75 classes; docs/benchmarks.md "Server start, session 12").
                (c, docker) -> c.response().setStatusCode(200).putHeader("Content-Type", "application/json")
                        .end(new HealthAnswer(VERSION, System.currentTimeMillis() - startedAt, docker,
                                // Reads are served either way; "disk_full" says writes get 503 until space
                                // returns, "corrupt" that the background check found the file damaged and writes
                                // get 503 for good.
                                store.corruption().isPresent() ? "corrupt" : store.diskFull() ? "disk_full" : "ok")
                                .json())));
        // On a worker: the first call reads and parses the document (see below).
        router.get("/openapi.json").handler(bodies).handler(ctx -> Blocking.respond(ctx, api::text,
                (c, text) -> c.response().putHeader("Content-Type", "application/json").end(text)));
        if (config.token() != null) {
            router.route("/v1/*").handler(new BearerAuth(config.token()));
        }
        router.route("/v1/*").handler(bodies);
        // The body schemas are built by the first request with a body, on a worker (~60-90 ms of CPU, more at load:
        // too long for an event loop), and kept. Not at start: only bodies need them (ApiDocument.validBody), and an
        // idle server that had built them held ~1.6 MiB more RSS (the dereferenced document, the library's classes,
        // the building thread's malloc arena; docs/benchmarks.md "Idle RSS, session 11"). A bodiless request (a
        // list, an event stream) never waits for them, only, once, for the document itself (its ids are checked
        // against it), which the start no longer reads either ("Idle RSS, session 12"). The health poll is answered
        // above, before this hook: it needs neither.
        router.route("/v1/*").handler(ctx -> {
            boolean body = ctx.body().length() > 0;
            if (body ? api.prepared() : api.documentRead()) {
                ctx.next();
                return;
            }
            Blocking.submit(ctx, () -> {
                if (body) {
                    api.prepare();
                } else {
                    api.readDocument();
                }
                return Boolean.TRUE;
            }).onComplete(done -> ctx.next());
        });
        EventRoutes events = new EventRoutes(store, hub, api, config.heartbeat());
        // The session routes first, the message route first among them: the router tries the routes in order, matching
        // each path's pattern, and a message is the request of every turn (no two of these paths overlap, so the order
        // decides nothing else).
        new SessionRoutes(sessions, events, api).mount(router);
        events.mount(router);
        new AgentRoutes(catalog, api, installs, sessions.advertisements()).mount(router);
        warm.eventRoutes().mount(router);
        new DockerRoutes(warm.docker(), config.heartbeat()).mount(router);
        new ProcessRoutes(warm.supervisor(), api, config.heartbeat()).mount(router);
        router.route().last().handler(ctx -> ctx.fail(404));
        router.route().failureHandler(Problems::handleFailure);
        // Failures the router raises before any route matched (a path it cannot decode) would be plain text.
        for (int status : new int[] {400, 404, 405, 413, 415, 500}) {
            router.errorHandler(status, Problems.routerError(status));
        }
        return router;
    }

    /** For tests in this package (VertxSetupTest looks at the resolvers Vert.x built). */
    Vertx vertx() {
        return vertx;
    }

    /** For tests in this package (EventLoopCheckTest mounts a handler of its own). */
    Router router() {
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

    /**
     * Order matters: stop taking requests, stop agents, end streams, flush the store, then the warm processes (TERM,
     * KILL after their grace; the engine last, since agents may have been using it until now), then Vert.x.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        LOG.log(Level.INFO, "stopping");
        await(http.close(), Duration.ofSeconds(5));
        sessions.close();
        hub.closeAll();
        warm.eventRoutes().closeAll();
        store.close();
        warm.docker().close();
        warm.supervisor().close();
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
