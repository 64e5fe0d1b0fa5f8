package dev.sandboxagent.client;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The one ObjectMapper of the client. */
final class Json {
    /**
     * Unknown members are ignored: the server may add fields (the anchor's schema grows) and an older client must
     * keep working against a newer server.
     */
    static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private Json() {
    }
}
