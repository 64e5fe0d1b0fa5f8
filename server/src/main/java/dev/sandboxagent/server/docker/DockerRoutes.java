package dev.sandboxagent.server.docker;

import dev.sandboxagent.server.http.ApiException;
import dev.sandboxagent.server.http.Blocking;
import dev.sandboxagent.server.http.JsonBodies;
import dev.sandboxagent.server.warm.ProcessRoutes;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;

/** {@code /v1/docker}: the warm engine's status, logs and restart. */
public final class DockerRoutes {
    private final DockerEngine engine;
    private final Duration heartbeat;

    public DockerRoutes(DockerEngine engine, Duration heartbeat) {
        this.engine = engine;
        this.heartbeat = heartbeat;
    }

    public void mount(Router router) {
        router.get("/v1/docker").handler(ctx -> Blocking.respond(ctx, engine::status,
                (c, status) -> JsonBodies.send(c, 200, status)));
        router.get("/v1/docker/logs").handler(this::logs);
        router.post("/v1/docker/restart").handler(ctx -> Blocking.respond(ctx, () -> {
            try {
                engine.restart();
            } catch (DockerEngine.NotManagedException e) {
                throw notManaged(e);
            }
            return engine.status();
        }, (c, status) -> JsonBodies.send(c, 202, status)));
    }

    private void logs(RoutingContext ctx) {
        try {
            ProcessRoutes.serveLog(ctx, DockerEngine.PROCESS_NAME, engine.log(), heartbeat);
        } catch (DockerEngine.NotManagedException e) {
            throw notManaged(e);
        }
    }

    private static ApiException notManaged(DockerEngine.NotManagedException e) {
        return ApiException.of(409, "docker_not_managed", "Docker engine not managed here", e.getMessage());
    }
}
