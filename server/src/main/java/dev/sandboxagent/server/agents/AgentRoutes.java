package dev.sandboxagent.server.agents;

import dev.sandboxagent.agents.AgentAdapter;
import dev.sandboxagent.agents.AgentCatalog;
import dev.sandboxagent.agents.AgentDescriptor;
import dev.sandboxagent.server.http.ApiDocument;
import dev.sandboxagent.server.http.ApiException;
import dev.sandboxagent.server.http.Blocking;
import dev.sandboxagent.server.http.JsonBodies;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What agents this server can run, in the anchor's AgentInfo shape. */
public final class AgentRoutes {
    /** The anchor's capability flags; each is reported, true or false, for every agent. */
    static final List<String> CAPABILITIES = List.of("planMode", "permissions", "questions", "toolCalls",
            "toolResults", "textMessages", "images", "fileAttachments", "sessionLifecycle", "errorEvents",
            "reasoning", "status", "commandExecution", "fileChanges", "mcpTools", "streamingDeltas", "itemStarted",
            "sharedProcess");

    private final AgentCatalog catalog;
    private final ApiDocument api;

    public AgentRoutes(AgentCatalog catalog, ApiDocument api) {
        this.catalog = catalog;
        this.api = api;
    }

    public void mount(Router router) {
        router.get("/v1/agents").handler(this::list);
        router.get("/v1/agents/:agent/modes").handler(this::modes);
        router.get("/v1/agents/:agent/models").handler(this::models);
    }

    private void list(RoutingContext ctx) {
        // descriptor() may look at the disk (installed? which version?), so off the event loop.
        Blocking.respond(ctx, () -> catalog.ids().stream()
                        .map(id -> info(catalog.find(id).orElseThrow().descriptor()))
                        .toList(),
                (c, agents) -> JsonBodies.send(c, 200, Map.of("agents", agents)));
    }

    private void modes(RoutingContext ctx) {
        AgentDescriptor d = descriptor(ctx);
        JsonBodies.send(ctx, 200, Map.of("modes", d.modes()));
    }

    private void models(RoutingContext ctx) {
        AgentDescriptor d = descriptor(ctx);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("models", d.models().stream().map(m -> Map.of("id", m)).toList());
        body.put("defaultModel", d.defaultModel());
        JsonBodies.send(ctx, 200, body);
    }

    private AgentDescriptor descriptor(RoutingContext ctx) {
        String id = api.validId(ctx, "agent");
        AgentAdapter adapter = catalog.find(id).orElseThrow(() -> ApiException.unknownAgent(id, catalog.ids()));
        return adapter.descriptor();
    }

    static Map<String, Object> info(AgentDescriptor d) {
        Map<String, Boolean> capabilities = new TreeMap<>();
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
