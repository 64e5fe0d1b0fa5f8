package dev.sandboxagent.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An RFC 9457 problem as the server sends it ({@code application/problem+json}).
 *
 * @param type       e.g. {@code urn:sandbox-agent:error:session_not_found}; see {@link #kind()}
 * @param extensions members beyond the standard four, e.g. {@code knownAgents} (unknown agent), {@code turnId}
 *                   (session busy), {@code errors} (validation)
 */
public record Problem(String type, String title, int status, String detail, Map<String, JsonNode> extensions) {
    private static final int MAX_BODY_IN_DETAIL = 200;

    public Problem {
        extensions = extensions == null ? Map.of() : Map.copyOf(extensions);
    }

    /** The error kind: the last {@code :}-separated part of {@code type} ({@code session_not_found}). */
    public String kind() {
        if (type == null) {
            return "unknown";
        }
        int colon = type.lastIndexOf(':');
        return colon < 0 ? type : type.substring(colon + 1);
    }

    /** An extension member, or null. */
    public JsonNode extension(String name) {
        return extensions.get(name);
    }

    /** Reads a problem+json body; members of unexpected types are read leniently rather than rejected. */
    static Problem fromJson(JsonNode body, int httpStatus) {
        Map<String, JsonNode> extra = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : body.properties()) {
            switch (field.getKey()) {
                case "type", "title", "status", "detail" -> {
                }
                default -> extra.put(field.getKey(), field.getValue());
            }
        }
        return new Problem(text(body, "type", "about:blank"), text(body, "title", null),
                body.path("status").asInt(httpStatus), text(body, "detail", null), extra);
    }

    /**
     * A problem for an answer that was not problem+json (a proxy's HTML page, an empty 502): the start of the body
     * becomes the detail so the user still sees what came back.
     */
    static Problem fromPlainBody(int httpStatus, String body) {
        String trimmed = body == null ? "" : body.strip();
        if (trimmed.length() > MAX_BODY_IN_DETAIL) {
            trimmed = trimmed.substring(0, MAX_BODY_IN_DETAIL) + "...";
        }
        String detail = trimmed.isEmpty() ? "the server answered HTTP " + httpStatus + " with no details" : trimmed;
        return new Problem("about:blank", "HTTP " + httpStatus, httpStatus, detail, Map.of());
    }

    private static String text(JsonNode body, String field, String fallback) {
        JsonNode value = body.get(field);
        return value == null || value.isNull() ? fallback : value.asText();
    }
}
