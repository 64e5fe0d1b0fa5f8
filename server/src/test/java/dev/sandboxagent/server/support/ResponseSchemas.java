package dev.sandboxagent.server.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;

/** Checks an answer's body against a schema of the OpenAPI document the very server serves. */
public final class ResponseSchemas {
    private static final String BASE = "urn:sandbox-agent:openapi";

    private ResponseSchemas() {
    }

    public static void assertMatches(Api api, JsonNode body, String schemaName) {
        Api.Answer served = api.get("/openapi.json");
        Api.require(served, 200);
        SchemaRepository repository = SchemaRepository.create(new JsonSchemaOptions().setDraft(Draft.DRAFT202012)
                .setBaseUri(BASE).setOutputFormat(OutputFormat.Basic));
        repository.dereference(BASE, JsonSchema.of(new JsonObject(served.body())));
        OutputUnit result = repository.validator(BASE + "#/components/schemas/" + schemaName)
                .validate(new JsonObject(body.toString()));
        assertThat(result.getValid()).as("%s matches %s: %s", body, schemaName, result.getErrors()).isTrue();
    }
}
