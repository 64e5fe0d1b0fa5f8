package dev.sandboxagent.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The answer to a create. {@code healthy} is false when the session was recorded but its agent failed to start;
 * {@code error} then says why ({@code {"type":"agent_process_exited","message":...}}), otherwise it is null.
 */
public record CreateSessionResponse(boolean healthy, String nativeSessionId,
                                    @JsonInclude(JsonInclude.Include.NON_NULL) JsonNode error, SessionInfo session) {

    /** The agent's error message, or null when healthy. */
    public String errorMessage() {
        if (error == null || error.isNull()) {
            return null;
        }
        return error.path("message").asText(error.toString());
    }
}
