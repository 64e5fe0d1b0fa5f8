package dev.sandboxagent.server.agents;

import dev.sandboxagent.agents.install.AgentInstaller;
import dev.sandboxagent.agents.install.InstallException;
import dev.sandboxagent.agents.install.NpmPackage;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.util.Optional;

import dev.sandboxagent.agents.AdvertisedOptions;
import dev.sandboxagent.agents.AgentAdapter;
import dev.sandboxagent.agents.AgentCatalog;
import dev.sandboxagent.agents.AgentDescriptor;
import dev.sandboxagent.server.http.ApiDocument;
import dev.sandboxagent.server.sessions.AgentAdvertisements;
import dev.sandboxagent.server.http.ApiException;
import dev.sandboxagent.server.http.Blocking;
import dev.sandboxagent.server.http.JsonBodies;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What agents this server can run, in the anchor's AgentInfo shape. */
public final class AgentRoutes {
    private static final System.Logger LOG = System.getLogger(AgentRoutes.class.getName());
    /**
     * The anchor's capability flags, in its declaration order (its AgentCapabilities struct); each is reported, true
     * or false, for every agent, in this order, so that {@code GET /v1/agents} reads the same on every run.
     */
    static final List<String> CAPABILITIES = List.of("planMode", "permissions", "questions", "toolCalls",
            "toolResults", "textMessages", "images", "fileAttachments", "sessionLifecycle", "errorEvents",
            "reasoning", "status", "commandExecution", "fileChanges", "mcpTools", "streamingDeltas", "itemStarted",
            "sharedProcess");

    private final AgentCatalog catalog;
    private final ApiDocument api;
    private final AgentInstaller installer;
    private final AgentAdvertisements advertisements;

    public AgentRoutes(AgentCatalog catalog, ApiDocument api, AgentInstalls installs,
                       AgentAdvertisements advertisements) {
        this.catalog = catalog;
        this.api = api;
        this.installer = installs.installer();
        this.advertisements = advertisements;
    }

    public void mount(Router router) {
        router.get("/v1/agents").handler(this::list);
        router.get("/v1/agents/:agent/modes").handler(this::modes);
        router.get("/v1/agents/:agent/models").handler(this::models);
        router.post("/v1/agents/:agent/install").handler(this::install);
    }

    private void list(RoutingContext ctx) {
        // descriptor() may look at the disk (installed? which version?), so off the event loop.
        Blocking.respond(ctx, () -> catalog.ids().stream()
                        .map(id -> info(catalog.find(id).orElseThrow().descriptor()))
                        .toList(),
                (c, agents) -> JsonBodies.send(c, 200, Map.of("agents", agents)));
    }

    /** Holds the request while npm runs (on a worker thread); 204 once the agent is there. */
    private void install(RoutingContext ctx) {
        String id = api.validId(ctx, "agent");
        AgentAdapter adapter = catalog.find(id).orElseThrow(() -> ApiException.unknownAgent(id, catalog.ids()));
        String raw = ctx.body().asString();
        JsonObject body = raw == null || raw.isBlank() ? new JsonObject() : api.validBody(ctx, "AgentInstallRequest");
        String version = body.getString("agentVersion");
        boolean reinstall = Boolean.TRUE.equals(body.getBoolean("reinstall"));
        Optional<NpmPackage> pkg = adapter.npmPackage();
        if (pkg.isEmpty()) {
            ctx.response().setStatusCode(204).end(); // built in: nothing to install
            return;
        }
        Blocking.noContent(ctx, () -> {
            try {
                installer.install(id, pkg.get(), version, reinstall, line -> LOG.log(Level.DEBUG, "install " + id + ": " + line));
                advertisements.forget(id); // another version may offer other modes and models
            } catch (InstallException e) {
                throw AgentInstalls.problem(e);
            }
        });
    }

    /*
     * What the agent itself advertised as its latest session started, when known ("source": "agent"); else the
     * adapter's own list ("source": "static"). Not known yet means no session of the agent started since the server
     * did: the server does not start the agent just to ask (see docs/agents.md, "Modes and models"). descriptor()
     * reads the installed agent's package.json: off the event loop, like list.
     */
    private void modes(RoutingContext ctx) {
        AgentAdapter adapter = adapter(ctx);
        Optional<AdvertisedOptions> advertised = advertisements.latest(ctx.pathParam("agent"));
        if (advertised.isPresent() && !advertised.get().modes().isEmpty()) {
            JsonBodies.send(ctx, 200, modesBody(advertised.get().modes(), "agent"));
            return;
        }
        Blocking.respond(ctx, adapter::descriptor, (c, d) -> JsonBodies.send(c, 200, modesBody(d.modes(), "static")));
    }

    private static Map<String, Object> modesBody(List<AgentDescriptor.AgentMode> modes, String source) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("modes", modes);
        body.put("source", source);
        return body;
    }

    private void models(RoutingContext ctx) {
        AgentAdapter adapter = adapter(ctx);
        Optional<AdvertisedOptions> advertised = advertisements.latest(ctx.pathParam("agent"))
                .filter(a -> !a.modelsWithCurrent().isEmpty());
        Blocking.respond(ctx, adapter::descriptor, (c, d) -> {
            Map<String, Object> body = new LinkedHashMap<>();
            if (advertised.isPresent()) {
                body.put("models", advertised.get().modelsWithCurrent().stream().map(m -> {
                    Map<String, Object> model = new LinkedHashMap<>();
                    model.put("id", m.id());
                    model.put("name", m.name());
                    return model;
                }).toList());
            } else {
                body.put("models", d.models().stream().map(m -> Map.of("id", m)).toList());
            }
            // What a session runs when its create names no model: the adapter's choice either way.
            body.put("defaultModel", d.defaultModel());
            body.put("source", advertised.isPresent() ? "agent" : "static");
            JsonBodies.send(c, 200, body);
        });
    }

    private AgentAdapter adapter(RoutingContext ctx) {
        String id = api.validId(ctx, "agent");
        return catalog.find(id).orElseThrow(() -> ApiException.unknownAgent(id, catalog.ids()));
    }

    static Map<String, Object> info(AgentDescriptor d) {
        Map<String, Boolean> capabilities = new LinkedHashMap<>();
        CAPABILITIES.forEach(c -> capabilities.put(c, d.capabilities().contains(c)));
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("id", d.id());
        info.put("name", d.name());
        info.put("installed", d.installed());
        info.put("version", d.version());
        info.put("path", d.path());
        info.put("credentialsAvailable", d.credentialsAvailable());
        info.put("capabilities", capabilities);
        return info;
    }
}
