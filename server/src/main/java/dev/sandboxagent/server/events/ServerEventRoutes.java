package dev.sandboxagent.server.events;

import dev.sandboxagent.server.http.JsonBodies;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /v1/events/sse}: the server's own events (warm processes, the Docker engine), live from memory. */
public final class ServerEventRoutes {
    private final ServerEvents events;
    private final Duration heartbeat;
    private final List<TextSse> open = new java.util.concurrent.CopyOnWriteArrayList<>();

    public ServerEventRoutes(ServerEvents events, Duration heartbeat) {
        this.events = events;
        this.heartbeat = heartbeat;
    }

    public void mount(Router router) {
        router.get("/v1/events/sse").handler(this::stream);
    }

    private void stream(RoutingContext ctx) {
        long after = EventRoutes.resumePoint(ctx);
        TextSse sse = new TextSse(ctx, heartbeat);
        open.add(sse);
        Runnable unsubscribe = events.subscribe(after, backlog -> backlog.forEach(e -> send(sse, e)),
                e -> send(sse, e));
        sse.onClose(() -> {
            unsubscribe.run();
            open.remove(sse);
        });
    }

    private static void send(TextSse sse, ServerEvents.ServerEvent event) {
        Map<String, Object> frame = new LinkedHashMap<>();
        frame.put("sequence", event.sequence());
        frame.put("type", event.type());
        frame.put("time", event.time());
        frame.put("data", event.data());
        sse.send(event.sequence(), JsonBodies.encode(frame));
    }

    /** Ends every open stream (server stopping). */
    public void closeAll() {
        open.forEach(TextSse::end);
    }
}
