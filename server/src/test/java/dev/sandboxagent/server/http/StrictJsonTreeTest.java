package dev.sandboxagent.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * StrictJson builds the object in the same pass that checks it: what it returns is what Vert.x's own parse of the
 * text gives (the same maps, lists and number types), so the schema validation and the routes see no difference.
 */
class StrictJsonTreeTest {
    @Test
    void theObjectIsWhatVertxParsesFromTheSameText() {
        for (String body : List.of(
                "{}",
                "{\"message\":\"echo hi\"}",
                "{\"message\":\"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\"\",\"idempotencyKey\":null}",
                "{\"a\":1,\"b\":-2147483649,\"c\":123456789012345678901234567890,\"d\":1.5,\"e\":1e3,\"f\":-0.0}",
                "{\"t\":true,\"f\":false,\"n\":null,\"empty\":[],\"nested\":{\"x\":[1,[2,{\"y\":\"z\"}],{}]}}",
                "{\"answers\":[[\"yes\"],[\"a\",\"b\"]],\"credentials\":{\"ANTHROPIC_API_KEY\":\"k\"}}",
                " \n{ \"spaced\" : [ 1 , 2 ] }\n ")) {
            JsonObject strict = StrictJson.object(body.getBytes(StandardCharsets.UTF_8), Set.of());
            JsonObject vertx = new JsonObject(body);
            assertThat(strict).as(body).isEqualTo(vertx);
            assertThat(strict.encode()).as(body).isEqualTo(vertx.encode());
            assertThat(types(strict.getMap())).as(body).isEqualTo(types(vertx.getMap()));
        }
    }

    @Test
    void itsChecksStillHoldInsideArraysAndNestedObjects() {
        assertThatThrownBy(() -> StrictJson.object("{\"a\":[{\"k\":1,\"k\":2}]}".getBytes(StandardCharsets.UTF_8),
                Set.of())).hasMessageContaining("a key appears twice");
        assertThatThrownBy(() -> StrictJson.object("{\"a\":[\"\\ud800\"]}".getBytes(StandardCharsets.UTF_8),
                Set.of())).hasMessageContaining("lone surrogate");
        assertThatThrownBy(() -> StrictJson.object("{\"a\":[1,2}".getBytes(StandardCharsets.UTF_8), Set.of()))
                .hasMessageContaining("not a JSON object");
    }

    /** The Java types of every value, depth first, so that an Integer where Vert.x has a Long shows. */
    private static String types(Object value) {
        if (value instanceof java.util.Map<?, ?> map) {
            StringBuilder out = new StringBuilder("{");
            map.forEach((k, v) -> out.append(k).append('=').append(types(v)).append(','));
            return out.append('}').toString();
        }
        if (value instanceof List<?> list) {
            StringBuilder out = new StringBuilder("[");
            list.forEach(v -> out.append(types(v)).append(','));
            return out.append(']').toString();
        }
        if (value instanceof JsonObject o) {
            return types(o.getMap());
        }
        if (value instanceof io.vertx.core.json.JsonArray a) {
            return types(a.getList());
        }
        return value == null ? "null" : value.getClass().getSimpleName();
    }
}
