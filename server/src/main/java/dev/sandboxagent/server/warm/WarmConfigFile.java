package dev.sandboxagent.server.warm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The warm processes declared in a JSON file ({@code --warm-config}); see docs/operations.md for the format:
 * <pre>{@code
 * {"processes": [{"name": "web", "command": ["python3", "-m", "http.server", "8000"],
 *                 "env": {"K": "V"}, "workingDir": "/srv",
 *                 "readiness": {"tcp": {"host": "127.0.0.1", "port": 8000}},
 *                 "restart": {"policy": "always", "initialDelayMs": 1000, "maxDelayMs": 30000,
 *                             "stableAfterMs": 60000},
 *                 "startTimeoutMs": 60000, "stopGraceMs": 10000}]}
 * }</pre>
 * Readiness is one of {@code tcp}, {@code http} (a URL), {@code unixSocketHttp} ({@code socket}, {@code path}),
 * {@code command} (an argv list), or absent (ready once running).
 */
public final class WarmConfigFile {
    private WarmConfigFile() {
    }

    public static List<WarmProcessSpec> load(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the warm-process config " + file + ": "
                    + e.getMessage(), e);
        }
        if (root == null || !root.path("processes").isArray()) {
            throw new IllegalArgumentException(file + ": expected {\"processes\": [...]}");
        }
        List<WarmProcessSpec> specs = new ArrayList<>();
        for (JsonNode p : root.get("processes")) {
            try {
                specs.add(spec(p));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(file + ": process '" + p.path("name").asText("?") + "': "
                        + e.getMessage(), e);
            }
        }
        return specs;
    }

    private static WarmProcessSpec spec(JsonNode p) {
        String name = p.path("name").asText(null);
        List<String> command = strings(p.path("command"), "command");
        Map<String, String> env = new LinkedHashMap<>();
        p.path("env").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        Path workingDir = p.hasNonNull("workingDir") ? Path.of(p.get("workingDir").asText()) : null;
        JsonNode r = p.path("restart");
        RestartPolicy defaults = RestartPolicy.always();
        RestartPolicy restart = new RestartPolicy(
                RestartPolicy.When.valueOf(r.path("policy").asText("always").toUpperCase(java.util.Locale.ROOT)
                        .replace('-', '_')),
                millis(r, "initialDelayMs", defaults.firstDelay()),
                millis(r, "maxDelayMs", defaults.maxDelay()),
                millis(r, "stableAfterMs", defaults.stableAfter()));
        WarmProcessSpec base = WarmProcessSpec.of(name, command, probe(p.path("readiness")));
        return new WarmProcessSpec(name, command, env, workingDir, base.probe(), restart,
                millis(p, "startTimeoutMs", base.startTimeout()), millis(p, "probeIntervalMs", base.probeInterval()),
                millis(p, "stopGraceMs", base.stopGrace()), null);
    }

    private static ReadinessProbe probe(JsonNode r) {
        if (r.isMissingNode() || r.isNull()) {
            return ReadinessProbe.running();
        }
        if (r.has("tcp")) {
            JsonNode t = r.get("tcp");
            if (!t.path("port").canConvertToInt()) {
                throw new IllegalArgumentException("readiness.tcp needs a port");
            }
            return ReadinessProbe.tcp(t.path("host").asText("127.0.0.1"), t.get("port").asInt());
        }
        if (r.has("http")) {
            return ReadinessProbe.http(URI.create(r.get("http").asText()));
        }
        if (r.has("unixSocketHttp")) {
            JsonNode u = r.get("unixSocketHttp");
            return ReadinessProbe.unixSocketHttp(Path.of(u.path("socket").asText()), u.path("path").asText("/"));
        }
        if (r.has("command")) {
            return ReadinessProbe.command(strings(r.get("command"), "readiness.command"));
        }
        throw new IllegalArgumentException("readiness must be one of tcp, http, unixSocketHttp, command");
    }

    private static List<String> strings(JsonNode node, String what) {
        if (!node.isArray() || node.isEmpty()) {
            throw new IllegalArgumentException(what + " must be a non-empty list of strings");
        }
        List<String> out = new ArrayList<>();
        node.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static Duration millis(JsonNode node, String field, Duration fallback) {
        return node.has(field) ? Duration.ofMillis(node.get(field).asLong()) : fallback;
    }
}
