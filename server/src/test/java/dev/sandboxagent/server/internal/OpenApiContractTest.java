package dev.sandboxagent.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.server.ServerConfig;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.RunningServer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The document at /openapi.json describes exactly the routes the server mounts: nothing more, nothing less. */
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
}
