package dev.sandboxagent.server.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request the server refuses, with everything needed for its problem+json answer. Thrown anywhere below a route
 * and turned into the HTTP answer in one place ({@link Problems}).
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9457">RFC 9457</a>
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String kind;
    private final String title;
    private final Map<String, Object> extensions;

    private ApiException(int status, String kind, String title, String detail, Map<String, Object> extensions) {
        super(detail, null, false, false);
        this.status = status;
        this.kind = kind;
        this.title = title;
        this.extensions = Map.copyOf(extensions);
    }

    public static ApiException of(int status, String kind, String title, String detail) {
        return new ApiException(status, kind, title, detail, Map.of());
    }

    public ApiException with(String member, Object value) {
        Map<String, Object> more = new LinkedHashMap<>(extensions);
        more.put(member, value);
        return new ApiException(status, kind, title, getMessage(), more);
    }

    public static ApiException invalid(String detail) {
        return of(400, "invalid_request", "Invalid request", detail);
    }

    /** The agent id is not one this server knows; the answer lists the ones it does. */
    public static ApiException unknownAgent(String agent, java.util.List<String> known) {
        return of(400, "unsupported_agent", "Unknown agent",
                "no agent '" + agent + "'; known agents: " + String.join(", ", known))
                .with("knownAgents", known);
    }

    public static ApiException sessionNotFound(String sessionId) {
        return of(404, "session_not_found", "Session not found", "no session '" + sessionId + "'");
    }

    public int status() {
        return status;
    }

    public String kind() {
        return kind;
    }

    public String title() {
        return title;
    }

    public String detail() {
        return getMessage();
    }

    public Map<String, Object> extensions() {
        return extensions;
    }
}
