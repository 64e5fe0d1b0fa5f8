package dev.sandboxagent.server.warm;

import dev.sandboxagent.server.events.TextSse;
import dev.sandboxagent.server.http.ApiDocument;
import dev.sandboxagent.server.http.ApiException;
import dev.sandboxagent.server.http.Blocking;
import dev.sandboxagent.server.http.JsonBodies;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/** {@code GET /v1/processes} and each process's logs. */
public final class ProcessRoutes {
    static final int DEFAULT_TAIL = 100;
    static final int MAX_TAIL = 10_000;

    private final Supervisor supervisor;
    private final ApiDocument api;
    private final Duration heartbeat;

    public ProcessRoutes(Supervisor supervisor, ApiDocument api, Duration heartbeat) {
        this.supervisor = supervisor;
        this.api = api;
        this.heartbeat = heartbeat;
    }

    public void mount(Router router) {
        router.get("/v1/processes").handler(ctx -> JsonBodies.send(ctx, 200,
                Map.of("processes", supervisor.statuses())));
        router.get("/v1/processes/:name/logs").handler(this::logs);
    }

    private void logs(RoutingContext ctx) {
        String name = api.validId(ctx, "name");
        RotatingLog log;
        try {
            log = supervisor.log(name);
        } catch (NoSuchElementException e) {
            throw ApiException.of(404, "process_not_found", "Process not found", "no warm process '" + name + "'");
        }
        serveLog(ctx, name, log, heartbeat);
    }

    /**
     * The last {@code tail} lines as JSON ({@code {"name","lines"}}), or with {@code follow=true} an SSE stream: the
     * tail, then each new line as it is written, one {@code data:} frame per line.
     */
    public static void serveLog(RoutingContext ctx, String name, RotatingLog log, Duration heartbeat) {
        int tail = tailParam(ctx);
        String follow = ctx.request().getParam("follow");
        if (follow != null && !List.of("true", "false", "1", "0").contains(follow)) {
            throw ApiException.invalid("follow must be true or false, got '" + follow + "'");
        }
        if ("true".equals(follow) || "1".equals(follow)) {
            TextSse sse = new TextSse(ctx, heartbeat);
            // The tail reads up to keep+1 files of up to maxBytes each under the log's lock, which also holds up
            // the process's writer: on a worker, never on the event loop. TextSse takes frames from any thread.
            // onClose runs the unfollow at once if the client left meanwhile; a tail that fails ends the stream.
            Blocking.submit(ctx, () -> log.tailAndFollow(tail, lines -> lines.forEach(l -> sse.send(null, l)),
                    l -> sse.send(null, l))).onComplete(followed -> {
                        if (followed.succeeded()) {
                            sse.onClose(followed.result());
                        } else {
                            sse.end();
                        }
                    });
            return;
        }
        Blocking.respond(ctx, () -> log.tail(tail), (c, lines) -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            body.put("lines", lines);
            JsonBodies.send(c, 200, body);
        });
    }

    private static int tailParam(RoutingContext ctx) {
        String raw = ctx.request().getParam("tail");
        if (raw == null || raw.isEmpty()) {
            return DEFAULT_TAIL;
        }
        try {
            if (!raw.matches("-?[0-9]{1,10}")) { // parseInt would take any Unicode digit
                throw new NumberFormatException(raw);
            }
            int value = Integer.parseInt(raw);
            if (value < 0 || value > MAX_TAIL) {
                throw ApiException.invalid("tail must be between 0 and " + MAX_TAIL + ", got " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            throw ApiException.invalid("tail must be an integer, got '" + (raw.length() > 40 ? raw.substring(0, 40)
                    : raw) + "'");
        }
    }
}
