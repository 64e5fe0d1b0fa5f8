package dev.sandboxagent.server.internal;

/**
 * The body of {@code GET /v1/health}, written by hand: it is the first answer of every start (the launcher, the
 * harness and orchestrators poll it), and encoding it through Vert.x's {@code JsonObject} made that answer initialise
 * Jackson's codec, factory, symbol tables and generator (~75 classes and their static state) on the critical path
 * to the first 200, for five members of a fixed shape (docs/benchmarks.md "Server start, session 12").
 */
record HealthAnswer(String version, long uptimeMs, String docker, String store) {

    String json() {
        StringBuilder out = new StringBuilder(96);
        out.append("{\"status\":\"ok\",\"version\":");
        string(out, version);
        out.append(",\"uptimeMs\":").append(uptimeMs).append(",\"docker\":");
        string(out, docker);
        out.append(",\"store\":");
        string(out, store);
        return out.append('}').toString();
    }

    /** A JSON string (RFC 8259 section 7): the values are short wire names today, escaped anyway. */
    private static void string(StringBuilder out, String value) {
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }
}
