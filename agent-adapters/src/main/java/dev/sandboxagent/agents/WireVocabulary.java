package dev.sandboxagent.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The words every agent's protocol uses on the wire for the same situation (docs/api.md, "One vocabulary for every
 * agent"), so that a client never switches on the agent: the {@code error} event's codes and details, and the
 * {@code usage} of {@code turn.ended}. The agent's own words go into the details (or the event's raw), never into
 * the fields a client switches on.
 */
public final class WireVocabulary {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** The model provider refused or failed the request; {@code details.http_status} when the agent told it. */
    public static final String PROVIDER_ERROR = "provider_error";
    /** The agent itself reported an error that is not the provider's. */
    public static final String AGENT_ERROR = "agent_error";

    private WireVocabulary() {
    }

    /**
     * An {@code error} event's details: the agent's own code (always), and the provider's HTTP status when known.
     * Callers add what else the agent said under names that say whose it is.
     */
    public static ObjectNode errorDetails(String agentCode, Integer httpStatus) {
        ObjectNode details = JSON.objectNode().put("agent_code", agentCode);
        if (httpStatus != null) {
            details.put("http_status", httpStatus);
        }
        return details;
    }

    /**
     * The token usage of one turn, in one shape for every agent (snake_case; a count the agent does not report is
     * left out, never guessed as 0).
     *
     * @param inputTokens      every input token of the turn, those read from the cache included
     * @param cachedInput      input tokens read from the provider's prompt cache
     * @param cacheWriteInput  input tokens written to the provider's prompt cache
     * @param outputTokens     every output token, reasoning included
     * @param reasoningOutput  output tokens spent on reasoning
     */
    public static ObjectNode usage(Long inputTokens, Long cachedInput, Long cacheWriteInput, Long outputTokens,
            Long reasoningOutput) {
        ObjectNode usage = JSON.objectNode();
        putCount(usage, "input_tokens", inputTokens);
        putCount(usage, "cached_input_tokens", cachedInput);
        putCount(usage, "cache_write_input_tokens", cacheWriteInput);
        putCount(usage, "output_tokens", outputTokens);
        putCount(usage, "reasoning_output_tokens", reasoningOutput);
        return usage;
    }

    /** A count from an agent's JSON, or null when the field is absent or not a number. */
    public static Long count(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.canConvertToLong() ? value.asLong() : null;
    }

    private static void putCount(ObjectNode usage, String name, Long value) {
        if (value != null) {
            usage.put(name, value);
        }
    }
}
