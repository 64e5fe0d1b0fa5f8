package dev.sandboxagent.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The server reads the OpenAPI document at start and parses it only when first needed (after it listens, or by the
 * first request that validates an id or a body): what {@code /openapi.json} serves is the resource's text, byte
 * for byte, and what is derived from the tree is the same whichever use comes first.
 */
class ApiDocumentLazinessTest {
    private static String resource() throws IOException {
        try (InputStream in = ApiDocument.class.getResourceAsStream("/dev/sandboxagent/server/openapi.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void loadingReadsTheTextWithoutParsingIt() throws IOException {
        ApiDocument api = ApiDocument.load();

        assertThat(api.parsedYet()).isFalse();
        assertThat(api.prepared()).isFalse();
        assertThat(api.text()).isEqualTo(resource());
    }

    @Test
    void theFirstUseParsesTheTreeAndPrepareBuildsTheValidatorsFromIt() throws IOException {
        ApiDocument api = ApiDocument.load();

        JsonObject sessionId = api.schema("SessionId");

        assertThat(api.parsedYet()).isTrue();
        assertThat(api.prepared()).isFalse();
        assertThat(sessionId.getString("pattern")).isNotBlank();
        assertThat(api.document()).isEqualTo(new JsonObject(resource()));
        api.prepare();
        assertThat(api.prepared()).isTrue();
        assertThat(api.text()).isEqualTo(resource());
    }
}
