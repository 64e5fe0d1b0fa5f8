package dev.sandboxagent.server.http;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Requires {@code Authorization: Bearer <token>} (or {@code ?token=} on streaming routes, since browsers'
 * EventSource and WebSocket cannot set headers). The comparison is constant-time so response timing does not
 * leak how much of a guess was right.
 */
public final class BearerAuth implements Handler<RoutingContext> {
    private final byte[] expected;

    public BearerAuth(String token) {
        this.expected = token.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void handle(RoutingContext ctx) {
        String presented = presentedToken(ctx);
        if (presented != null && MessageDigest.isEqual(expected, presented.getBytes(StandardCharsets.UTF_8))) {
            ctx.next();
            return;
        }
        ctx.response().putHeader("WWW-Authenticate", "Bearer");
        Problems.send(ctx, ApiException.of(401, "token_invalid", "Unauthorized",
                presented == null ? "this server needs a bearer token (Authorization: Bearer <token>)"
                        : "the bearer token is wrong"));
    }

    private static String presentedToken(RoutingContext ctx) {
        String header = ctx.request().getHeader("Authorization");
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return header.substring(7).trim();
        }
        if (ctx.request().path().endsWith("/sse") || ctx.request().path().endsWith("/ws")) {
            return ctx.request().getParam("token");
        }
        return null;
    }
}
