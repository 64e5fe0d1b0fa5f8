package dev.sandboxagent.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.server.ServerConfig;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.RawHttp;
import dev.sandboxagent.server.support.RunningServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The document at /openapi.json describes exactly the routes the server mounts: nothing more, nothing less; and for
 * each, the problems the server's edge answers before any route (EdgeGuard, Netty's decoder limits).
 */
class OpenApiContractTest {
    @TempDir
    Path dataDir;

    @Test
    void servedDocumentMatchesTheMountedRoutes() {
        ServerConfig config = new ServerConfig("127.0.0.1", 0, null, dataDir, 1024 * 1024, Map.of());
        try (ServerRuntime server = ServerRuntime.start(RunningServer.withTestLimits(config))) {
            Api api = new Api("http://127.0.0.1:" + server.port(), null);
            Api.Answer answer = api.get("/openapi.json");
            assertThat(answer.status()).isEqualTo(200);
            JsonNode doc = answer.json();
            assertThat(doc.get("openapi").asText()).startsWith("3.1");

            Set<String> documented = new TreeSet<>();
            doc.get("paths").fields().forEachRemaining(path -> path.getValue().fieldNames()
                    .forEachRemaining(method -> documented.add(method.toUpperCase() + " " + path.getKey())));
            assertThat(server.operations()).isEqualTo(documented);
        }
    }

    /**
     * Drives the real server into each answer its edge gives on every route (a foreign Host, a malformed query, a
     * request line or headers over the limits, a body that is not JSON), and checks the document lists that status
     * for the operation it was sent to.
     */
    @Test
    void everyStatusTheEdgeAnswersIsDocumentedOnEveryOperation() {
        try (RunningServer server = RunningServer.start(dataDir)) {
            RawHttp raw = new RawHttp(server.port());
            JsonNode paths = server.api().get("/openapi.json").json().get("paths");
            List<String> undocumented = new ArrayList<>();
            int operations = 0;
            for (Iterator<Map.Entry<String, JsonNode>> p = paths.fields(); p.hasNext(); ) {
                Map.Entry<String, JsonNode> path = p.next();
                String target = path.getKey().replaceAll("\\{[^}]+}", "x");
                for (Iterator<String> m = path.getValue().fieldNames(); m.hasNext(); ) {
                    String method = m.next();
                    JsonNode documented = path.getValue().get(method).get("responses");
                    String line = method.toUpperCase() + " " + target;
                    Map<Integer, RawHttp.Answer> answers = new LinkedHashMap<>();
                    answers.put(400, raw.send(line + "?%zz=1 HTTP/1.1", headers(), null));
                    answers.put(403, raw.send(line + " HTTP/1.1", headers("Host", "rebound.example"), null));
                    answers.put(414, raw.send(line + "?x=" + "a".repeat(10_000) + " HTTP/1.1", headers(), null));
                    answers.put(415, raw.send(line + " HTTP/1.1", headers("Content-Type", "text/plain"),
                            "a=1".getBytes(StandardCharsets.UTF_8)));
                    answers.put(431, raw.send(line + " HTTP/1.1", headers("X-Big", "b".repeat(10_000)), null));
                    answers.forEach((status, answer) -> {
                        assertThat(answer.status()).as("%s -> %s", line, answer).isEqualTo(status);
                        assertThat(answer.header("Content-Type")).as("%s", answer)
                                .startsWith("application/problem+json");
                        if (!documented.has(Integer.toString(status))) {
                            undocumented.add(method.toUpperCase() + " " + path.getKey() + ": " + status);
                        }
                    });
                    operations++;
                }
            }
            assertThat(operations).as("operations tried").isGreaterThan(20);
            assertThat(undocumented).as("statuses the server answered that the document does not list").isEmpty();
        }
    }

    private static Map<String, String> headers(String... namesAndValues) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", "Bearer " + RunningServer.TOKEN);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return headers;
    }
}
