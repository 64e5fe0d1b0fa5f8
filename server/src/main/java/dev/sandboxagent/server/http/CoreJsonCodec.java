package dev.sandboxagent.server.http;

import io.vertx.core.json.jackson.JacksonCodec;
import io.vertx.core.spi.JsonFactory;
import io.vertx.core.spi.json.JsonCodec;

/**
 * Vert.x's JSON codec on jackson-core alone. Vert.x picks its databind codec whenever Jackson databind is on the
 * class path, and building it (an ObjectMapper with Vert.x's module) loads ~390 databind classes at every start,
 * before the first request (docs/benchmarks.md "Idle classes"). The server hands Vert.x only JSON types
 * ({@code JsonObject}, {@code JsonArray}, maps, lists, strings, numbers, booleans), never an object to map, so the
 * streaming codec Vert.x ships for that case reads and writes the same JSON. Registered as a
 * {@code io.vertx.core.spi.JsonFactory} service; its order (0) wins over Vert.x's own default.
 */
public final class CoreJsonCodec implements JsonFactory {
    private static final JsonCodec CODEC = new JacksonCodec();

    @Override
    public int order() {
        return 0;
    }

    @Override
    public JsonCodec codec() {
        return CODEC;
    }
}
