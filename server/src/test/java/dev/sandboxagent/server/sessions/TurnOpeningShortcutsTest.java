package dev.sandboxagent.server.sessions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.server.http.ApiDocument;
import dev.sandboxagent.server.http.JsonBodies;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The message route's two shortcuts on the path of every turn: a body of the usual shape skips the schema walk,
 * and the 202 is written without Jackson. Each must give what the long way gives: the shortcut accepts only
 * bodies the schema accepts (anything else still goes through the schema), and the 202's bytes are Jackson's.
 */
class TurnOpeningShortcutsTest {
    private static final String BASE = "urn:sandbox-agent:openapi";

    @Test
    void aBodyTheShortcutAcceptsIsOneTheSchemaAccepts() {
        SchemaRepository repository = SchemaRepository.create(new JsonSchemaOptions().setDraft(Draft.DRAFT202012)
                .setBaseUri(BASE).setOutputFormat(OutputFormat.Basic));
        repository.dereference(BASE, JsonSchema.of(ApiDocument.load().document()));
        Validator schema = repository.validator(BASE + "#/components/schemas/MessageRequest");
        List<String> bodies = List.of(
                "{\"message\":\"echo hi\"}",
                "{\"message\":\"x\"}",
                "{\"message\":\"caf\\u00e9 \\ud83d\\ude00\"}",
                "{\"message\":\"\"}",
                "{\"message\":null}",
                "{\"message\":42}",
                "{\"message\":[\"a\"]}",
                "{\"message\":{\"text\":\"a\"}}",
                "{}",
                "{\"text\":\"hi\"}",
                "{\"message\":\"hi\",\"credentials\":{\"ANTHROPIC_API_KEY\":\"k\"}}",
                "{\"message\":\"hi\",\"credentials\":{\"NOT_A_KEY\":\"k\"}}",
                "{\"message\":\"hi\",\"attachments\":[{\"path\":1}]}");
        int taken = 0;
        for (String body : bodies) {
            JsonObject parsed = new JsonObject(body);
            boolean valid = Boolean.TRUE.equals(schema.validate(parsed).getValid());
            if (SessionRoutes.plainMessage(parsed)) {
                taken++;
                assertThat(valid).as("the shortcut took %s, which the schema refuses", body).isTrue();
            }
        }
        assertThat(taken).as("the usual bodies take the shortcut").isEqualTo(3);
    }

    @Test
    void theAcceptedBodyIsWhatJacksonWrites() {
        for (String turnId : List.of("turn_0123456789abcdef", "turn_", "t", "turn_\"quoted\"", "turn_back\\slash",
                "turn_caf\u00e9", "turn_\u0001", "turn_/slash")) {
            String jackson = JsonBodies.encode(Map.of("turnId", turnId));
            assertThat(SessionRoutes.turnAccepted(turnId).toString(StandardCharsets.UTF_8)).as(turnId)
                    .isEqualTo(jackson);
        }
    }
}
