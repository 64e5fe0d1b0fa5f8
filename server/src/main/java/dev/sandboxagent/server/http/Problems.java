package dev.sandboxagent.server.http;

import dev.sandboxagent.store.StoreException;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpServerRequest;
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
    private static final System.Logger LOG = SafeLog.logger(Problems.class);

    private Problems() {
    }

    public static void send(RoutingContext ctx, ApiException e) {
        send(ctx.response(), e);
    }

    public static io.vertx.core.Future<Void> send(HttpServerResponse response, ApiException e) {
        if (response.headWritten()) {
            // Mid-stream (SSE): the status line is gone; all we can do is end the stream.
            return response.ended() ? io.vertx.core.Future.succeededFuture() : response.end();
        }
        JsonObject body = new JsonObject()
                .put("type", TYPE_PREFIX + e.kind())
                .put("title", e.title())
                .put("status", e.status())
                .put("detail", e.detail());
        for (Map.Entry<String, Object> extra : e.extensions().entrySet()) {
            body.put(extra.getKey(), extra.getValue());
        }
        return response.setStatusCode(e.status())
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

    /**
     * For {@code HttpServer.invalidRequestHandler}: a request Netty could not decode (a request line or headers
     * over the limits, a control character in a header, a bad Content-Length). Vert.x would answer with an empty
     * body; this answers with a problem that says which, then closes the connection, since after a framing error
     * the next request on it cannot be found reliably.
     */
    public static void invalidRequest(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        ApiException problem;
        if (cause instanceof TooLongHttpLineException) {
            problem = ApiException.of(414, "uri_too_long", "URI too long",
                    "the request line (method, path and query) is longer than the server accepts");
        } else if (cause instanceof TooLongHttpHeaderException) {
            problem = ApiException.of(431, "headers_too_large", "Request header fields too large",
                    "the request headers are larger than the server accepts");
        } else {
            problem = ApiException.of(400, "malformed_request", "Malformed request",
                    "the request is not valid HTTP/1.1: " + decodingProblem(cause));
        }
        HttpServerResponse response = request.response();
        if (response.headWritten()) {
            request.connection().close();
            return;
        }
        response.putHeader("Connection", "close");
        send(response, problem).onComplete(done -> request.connection().close());
    }

    /** What Netty's decoder refused, in plain words; its own message may quote the offending header. */
    static String decodingProblem(Throwable cause) {
        String message = cause == null || cause.getMessage() == null ? "" : cause.getMessage().toLowerCase(
                java.util.Locale.ROOT);
        if (message.contains("content-length")) {
            return "the Content-Length header is not a single non-negative number";
        }
        if (message.contains("chunk")) {
            return "the chunked body is malformed (a chunk size is not hexadecimal or is too large)";
        }
        if (message.contains("transfer-encoding")) {
            return "the Transfer-Encoding header is not valid";
        }
        if (message.contains("header") || message.contains("prohibited character")) {
            return "a header name or value has a character HTTP does not allow (a control character, a space in "
                    + "the name)";
        }
        if (message.contains("version")) {
            return "the HTTP version is not recognised";
        }
        return "the request line or a header could not be parsed";
    }

    /** Vert.x router failure handler: status-only failures (404, 405, 413 from BodyHandler) become problems too. */
    public static void handleFailure(RoutingContext ctx) {
        Throwable failure = ctx.failure();
        if (isDecodingFailure(failure)) {
            answerBeforeTheClose(ctx, ApiException.of(400, "malformed_request", "Malformed request",
                    "the request is not valid HTTP/1.1: " + decodingProblem(failure)));
            return;
        }
        if (failure != null && !(failure instanceof ApiException) && ctx.statusCode() >= 400
                && ctx.statusCode() < 500) {
            // Vert.x refused the request with a client status and an exception of its own (no Host header).
            send(ctx, ctx.statusCode() == 400 && String.valueOf(failure.getMessage()).contains("'Host'")
                    ? ApiException.of(400, "invalid_request", "Invalid request",
                            "an HTTP/1.1 request needs a Host header")
                    : forStatus(ctx, ctx.statusCode()));
            return;
        }
        if (failure != null) {
            send(ctx, from(failure));
            return;
        }
        send(ctx, forStatus(ctx, ctx.statusCode()));
    }

    /**
     * Netty failed to decode the body after the head was fine (a chunk size that is not hexadecimal): the request's
     * failure is the decoder's own exception, whatever its type, so it is recognised by where it was thrown.
     */
    static boolean isDecodingFailure(Throwable failure) {
        if (failure instanceof io.netty.handler.codec.DecoderException) {
            return true;
        }
        StackTraceElement[] frames = failure == null ? new StackTraceElement[0] : failure.getStackTrace();
        return frames.length > 0 && frames[0].getClassName().startsWith("io.netty.handler.codec.http.");
    }

    /**
     * Vert.x closes the connection as soon as the decoding failure has been reported, and a response written while
     * it reads is flushed only once the read completes, which is after the close: unflushed, the answer would be
     * lost and the client would see the connection drop. So the answer is flushed at once.
     */
    private static void answerBeforeTheClose(RoutingContext ctx, ApiException problem) {
        ctx.response().putHeader("Connection", "close");
        send(ctx, problem);
        if (ctx.request().connection() instanceof io.vertx.core.net.impl.VertxConnection connection) {
            connection.flush();
        }
    }

    /**
     * For {@code Router.errorHandler(status, ...)}: failures the router raises itself, before or between routes (a
     * path it cannot decode). There the context carries no status code, so it is given here.
     */
    public static io.vertx.core.Handler<RoutingContext> routerError(int status) {
        return ctx -> send(ctx, ctx.failure() instanceof ApiException api ? api : forStatus(ctx, status));
    }

    /** The path as sent (Netty admits no spaces or control characters in it), cut to a readable length. */
    private static String shortPath(RoutingContext ctx) {
        String path = ctx.request().path();
        return path == null ? "" : path.length() > 200 ? path.substring(0, 200) + "..." : path;
    }

    private static ApiException forStatus(RoutingContext ctx, int status) {
        return switch (status) {
            case 400 -> ApiException.of(400, "invalid_request", "Invalid request",
                    "the request path could not be read (a malformed percent-escape such as %zz, or an encoded "
                            + "NUL)");
            case 404 -> ApiException.of(404, "not_found", "Not found",
                    "no route " + ctx.request().method() + " " + shortPath(ctx));
            case 405 -> ApiException.of(405, "method_not_allowed", "Method not allowed",
                    ctx.request().method() + " is not allowed on " + shortPath(ctx));
            case 413 -> ApiException.of(413, "body_too_large", "Request body too large",
                    "the request body is over the limit");
            case 401 -> ApiException.of(401, "token_invalid", "Unauthorized", "missing or wrong bearer token");
            default -> status >= 400 && status < 600
                    ? ApiException.of(status, "http_" + status, HttpResponseStatus.valueOf(status).reasonPhrase(),
                            "request failed with status " + status)
                    : ApiException.of(500, "internal_error", "Internal server error",
                            "the request failed without a status; see the server log");
        };
    }
}
