package dev.sandboxagent.server.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The checks every request passes before any route (and before the bearer token): what keeps a web page in the
 * user's browser from driving the server, which matters most for a {@code --no-token} server. In order:
 * <ol>
 *   <li><b>Host</b>, on a loopback bind only: the {@code Host} header must name a loopback address or
 *       {@code localhost}. A page on a domain that an attacker re-points at 127.0.0.1 (DNS rebinding) is same-origin
 *       with its own domain, so its requests carry no foreign {@code Origin}; only their {@code Host} gives them
 *       away. 403.</li>
 *   <li><b>Origin</b>: a request that carries {@code Origin} comes from a browser, and is served only when that origin
 *       is allowed ({@code --cors-origin}; none by default). A CORS preflight from an allowed origin is answered here
 *       (204); from any other, 403. Clients that are not browsers send no {@code Origin} and are not affected.</li>
 *   <li><b>Path</b>: a {@code .} or {@code ..} segment (also {@code %2e}) is refused (400) rather than resolved: no
 *       id of the API is one, and resolving it would send the request to another route than the one written.
 *       A query that cannot be decoded is refused here too, not deep inside a route.</li>
 *   <li><b>Content type</b>: a request with a body must say {@code Content-Type: application/json} (a charset, if
 *       given, must be UTF-8), else 415. Browsers send cross-site {@code text/plain} and form bodies without a
 *       preflight; requiring JSON forces one. It also keeps form and multipart bodies away from the body
 *       parser.</li>
 * </ol>
 * These come before authentication so that a browser gets the answer that explains itself (its origin, its host)
 * rather than a 401, and so that a preflight, which never carries a token, can be answered at all.
 */
public final class EdgeGuard implements Handler<RoutingContext> {
    static final String ALLOWED_METHODS = "GET, POST, DELETE";
    static final String ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key, Last-Event-ID";
    static final String MAX_AGE_SECONDS = "600";
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    private static final Set<String> LOOPBACK_IPV6 = Set.of("::1", "0:0:0:0:0:0:0:1");

    private final boolean loopbackOnly;
    private final Set<String> allowedOrigins;

    /**
     * @param bindHost the address the server listens on; Host is checked only when it is a loopback one (a server on
     *                 0.0.0.0 cannot know every name it is reached by)
     * @param allowedOrigins normalised origins ({@link WebOrigin})
     */
    public EdgeGuard(String bindHost, List<String> allowedOrigins) {
        this.loopbackOnly = isLoopbackName(bindHost);
        this.allowedOrigins = Set.copyOf(allowedOrigins);
    }

    @Override
    public void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        HttpServerResponse response = ctx.response();
        String host = request.getHeader("Host");
        if (loopbackOnly && host != null && !isLoopbackName(hostWithoutPort(host))) {
            throw ApiException.of(403, "host_not_allowed", "Host not allowed",
                    "this server listens on a loopback address and answers only requests addressed to localhost, "
                            + "127.0.0.1 or [::1]; Host was " + ApiDocument.describe(host));
        }
        String origin = request.getHeader("Origin");
        if (origin != null) {
            boolean allowed = WebOrigin.normalise(origin).filter(allowedOrigins::contains).isPresent();
            if (!allowed) {
                throw ApiException.of(403, "origin_not_allowed", "Origin not allowed",
                        "requests from web pages are refused unless their origin is allowed (--cors-origin); "
                                + "Origin was " + ApiDocument.describe(origin));
            }
            response.putHeader("Access-Control-Allow-Origin", origin).putHeader("Vary", "Origin");
            if (request.method() == HttpMethod.OPTIONS && request.getHeader("Access-Control-Request-Method") != null) {
                response.putHeader("Access-Control-Allow-Methods", ALLOWED_METHODS)
                        .putHeader("Access-Control-Allow-Headers", ALLOWED_HEADERS)
                        .putHeader("Access-Control-Max-Age", MAX_AGE_SECONDS)
                        .putHeader("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
                        .setStatusCode(204)
                        .end();
                return;
            }
        }
        if (hasDotSegment(request.path())) {
            throw ApiException.invalid("the path has a '.' or '..' segment; no id of this API is one, and resolving "
                    + "it would reach another route than the one written");
        }
        try {
            // Decodes the query once, here, rather than deep inside a route; a URI without '?' has no query to decode
            // (most requests: Netty's decoder would otherwise be built for nothing on each).
            if (request.uri().indexOf('?') >= 0) {
                request.params();
            }
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("the query string could not be read (a malformed percent-escape such as "
                    + "%zz, or an incomplete one)");
        }
        if (hasBody(request) && !isJson(request.getHeader("Content-Type"))) {
            String given = request.getHeader("Content-Type");
            throw ApiException.of(415, "unsupported_media_type", "Unsupported media type",
                    "a request body must be JSON, sent with Content-Type: application/json; got "
                            + (given == null ? "no Content-Type" : ApiDocument.describe(given)));
        }
        ctx.next();
    }

    /** A segment that is {@code .} or {@code ..}, also percent-encoded ({@code %2e}); the raw path, before Vert.x
     * resolves it. */
    static boolean hasDotSegment(String rawPath) {
        if (rawPath == null || rawPath.indexOf('.') < 0 && rawPath.indexOf('%') < 0) {
            return false; // no dot, encoded or not: the common case, decided without splitting the path
        }
        for (String segment : rawPath.split("/", -1)) {
            String decoded = segment.replace("%2e", ".").replace("%2E", ".");
            if (decoded.equals(".") || decoded.equals("..")) {
                return true;
            }
        }
        return false;
    }

    /** A body is on its way if its length is announced as non-zero or it is chunked. */
    private static boolean hasBody(HttpServerRequest request) {
        if (request.getHeader("Transfer-Encoding") != null) {
            return true;
        }
        String length = request.getHeader("Content-Length");
        return length != null && !length.strip().equals("0");
    }

    /** {@code application/json}, optionally with {@code charset=utf-8}; any other parameter is refused. */
    static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        String[] parts = contentType.split(";");
        if (!parts[0].strip().equalsIgnoreCase("application/json")) {
            return false;
        }
        for (int i = 1; i < parts.length; i++) {
            String parameter = parts[i].strip();
            if (parameter.isEmpty()) {
                continue;
            }
            int eq = parameter.indexOf('=');
            String name = eq < 0 ? parameter : parameter.substring(0, eq).strip();
            String value = eq < 0 ? "" : parameter.substring(eq + 1).strip().replace("\"", "");
            if (!name.equalsIgnoreCase("charset") || !value.equalsIgnoreCase("utf-8")) {
                return false;
            }
        }
        return true;
    }

    /** {@code localhost:2468} -> {@code localhost}, {@code [::1]:2468} -> {@code ::1}. */
    static String hostWithoutPort(String hostHeader) {
        String host = hostHeader.strip();
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            return close < 0 ? host : host.substring(1, close);
        }
        int colon = host.lastIndexOf(':');
        return colon < 0 ? host : host.substring(0, colon);
    }

    /**
     * {@code localhost} (and its subdomains, which browsers resolve to loopback themselves, RFC 6761), 127.0.0.0/8
     * and ::1. Decided on the text alone: a name is never resolved, since resolving is what rebinding abuses.
     */
    static boolean isLoopbackName(String host) {
        if (host.equals("127.0.0.1") || host.equals("localhost")) {
            return true; // what nearly every request says: no lower-casing, no pattern
        }
        String name = host.strip().toLowerCase(Locale.ROOT);
        if (name.startsWith("[") && name.endsWith("]")) {
            name = name.substring(1, name.length() - 1);
        }
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        if (name.equals("localhost") || name.endsWith(".localhost") || LOOPBACK_IPV6.contains(name)) {
            return true;
        }
        var ipv4 = IPV4.matcher(name);
        return ipv4.matches() && ipv4.group(1).equals("127");
    }
}
