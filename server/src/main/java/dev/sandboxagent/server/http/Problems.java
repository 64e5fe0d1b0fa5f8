package dev.sandboxagent.server.http;

import dev.sandboxagent.store.StoreException;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.concurrent.CompletionException;

/** Writes every error as RFC 9457 problem+json; the one place where failures become HTTP answers. */
public final class Problems {
    public static final String CONTENT_TYPE = "application/problem+json";
    private static final String TYPE_PREFIX = "urn:sandbox-agent:error:";
    private static final System.Logger LOG = System.getLogger(Problems.class.getName());

    private Problems() {
    }

    public static void send(RoutingContext ctx, ApiException e) {
        send(ctx.response(), e);
    }

    public static void send(HttpServerResponse response, ApiException e) {
        if (response.headWritten()) {
            // Mid-stream (SSE): the status line is gone; all we can do is end the stream.
            if (!response.ended()) {
                response.end();
            }
            return;
        }
        JsonObject body = new JsonObject()
                .put("type", TYPE_PREFIX + e.kind())
                .put("title", e.title())
                .put("status", e.status())
                .put("detail", e.detail());
        for (Map.Entry<String, Object> extra : e.extensions().entrySet()) {
            body.put(extra.getKey(), extra.getValue());
        }
        response.setStatusCode(e.status())
                .putHeader("Content-Type", CONTENT_TYPE)
                .end(body.encode());
    }

    /** Maps any failure (including unexpected ones) to a problem; unexpected ones are logged, not leaked. */
    public static ApiException from(Throwable failure) {
        Throwable t = failure;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof ApiException api) {
            return api;
        }
        if (t instanceof StoreException store) {
            LOG.log(Level.WARNING, "store refused a write: " + store.getMessage());
            return ApiException.of(503, "store_unavailable", "Store unavailable",
                    "the session store could not write: " + store.getMessage() + "; nothing was changed");
        }
        LOG.log(Level.ERROR, "unexpected failure", t);
        return ApiException.of(500, "internal_error", "Internal server error",
                "unexpected " + t.getClass().getSimpleName() + "; see the server log");
    }

    /** Vert.x router failure handler: status-only failures (404, 405, 413 from BodyHandler) become problems too. */
    public static void handleFailure(RoutingContext ctx) {
        Throwable failure = ctx.failure();
        if (failure != null) {
            send(ctx, from(failure));
            return;
        }
        int status = ctx.statusCode();
        send(ctx, switch (status) {
            case 404 -> ApiException.of(404, "not_found", "Not found",
                    "no route " + ctx.request().method() + " " + ctx.request().path());
            case 405 -> ApiException.of(405, "method_not_allowed", "Method not allowed",
                    ctx.request().method() + " is not allowed on " + ctx.request().path());
            case 413 -> ApiException.of(413, "body_too_large", "Request body too large",
                    "the request body is over the limit");
            case 401 -> ApiException.of(401, "token_invalid", "Unauthorized", "missing or wrong bearer token");
            default -> ApiException.of(status, "http_" + status,
                    HttpResponseStatus.valueOf(status).reasonPhrase(), "request failed with status " + status);
        });
    }
}
