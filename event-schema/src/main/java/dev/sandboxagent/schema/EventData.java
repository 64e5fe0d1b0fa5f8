package dev.sandboxagent.schema;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;

/**
 * The {@code data} of a universal event: one record per {@link EventType}, its components in wire order (the
 * codec writes them snake_case). A component that is null is left off the wire, except the few marked
 * {@code ALWAYS}, which the wire carries as an explicit {@code null}. Fields an agent reports in its own shape
 * ({@code metadata}, {@code details}, usage figures) stay JSON trees.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public sealed interface EventData {

    /** The type of event this is the data of. */
    default EventType type() {
        return EventType.of(this);
    }

    /** {@code session.started}: what the session was created with. */
    record SessionStarted(@JsonProperty(required = true) Metadata metadata) implements EventData {
        /** The session's settings; {@code model} only when one was asked for. */
        @JsonInclude(JsonInclude.Include.NON_NULL)
        public record Metadata(@JsonProperty(required = true) String agent,
                               @JsonProperty(required = true) String agentMode,
                               @JsonProperty(required = true) String permissionMode,
                               @JsonProperty(required = true) @JsonInclude(JsonInclude.Include.ALWAYS)
                               String directory,
                               String model) {
        }
    }

    /** {@code session.resumed}: a session re-attached to its agent's own session after a server restart. */
    record SessionResumed(@JsonProperty(required = true) Metadata metadata) implements EventData {
        /** What the session was before ({@code interrupted}) and the agent's session id it resumed. */
        @JsonInclude(JsonInclude.Include.NON_NULL)
        public record Metadata(@JsonProperty(required = true) String previousState,
                               @JsonProperty(required = true) @JsonInclude(JsonInclude.Include.ALWAYS)
                               String nativeSessionId) {
        }
    }

    /**
     * {@code session.ended}.
     *
     * @param reason       completed | error | terminated
     * @param terminatedBy agent | daemon
     * @param message      why, in words, when it ended in error
     * @param exitCode     the agent process's exit code, when there was a process
     * @param stderr       what the agent wrote to stderr, when anything
     */
    record SessionEnded(@JsonProperty(required = true) String reason,
            @JsonProperty(required = true) String terminatedBy, String message, Integer exitCode, Stderr stderr)
            implements EventData {
        public SessionEnded {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(terminatedBy, "terminatedBy");
        }

        /** The head of stderr, and its tail when it was too long to keep whole. */
        @JsonInclude(JsonInclude.Include.NON_NULL)
        public record Stderr(String head, String tail, Long totalLines,
                @JsonProperty(required = true) boolean truncated) {
        }
    }

    /** {@code turn.started}; the wire also says {@code "phase": "started"}. */
    @JsonPropertyOrder({"phase", "turn_id"})
    @JsonIgnoreProperties(value = "phase", allowGetters = true)
    record TurnStarted(@JsonProperty(required = true) String turnId) implements EventData {
        @JsonProperty(value = "phase", required = true)
        String phase() {
            return "started";
        }
    }

    /** {@code turn.ended}; the wire also says {@code "phase": "ended"}. */
    @JsonPropertyOrder({"phase", "turn_id", "metadata"})
    @JsonIgnoreProperties(value = "phase", allowGetters = true)
    record TurnEnded(@JsonProperty(required = true) String turnId,
            @JsonProperty(required = true) Metadata metadata) implements EventData {
        /** A turn ended with {@code status} and nothing else to report (the server's own ends). */
        public static TurnEnded of(String turnId, String status) {
            return new TurnEnded(turnId, Metadata.of(status));
        }

        /** The turn's status, null-safe. */
        public String status() {
            return metadata == null ? null : metadata.status();
        }

        @JsonProperty(value = "phase", required = true)
        String phase() {
            return "ended";
        }

        /**
         * How the turn ended ({@code status}: completed | interrupted | error) and what the agent reported about
         * it: {@code usage} in the one shape of every agent (docs/api.md; the agent's own numbers stay in the
         * event's raw), the rest as the agent reported it.
         */
        @JsonInclude(JsonInclude.Include.NON_NULL)
        public record Metadata(@JsonProperty(required = true) String status, JsonNode usage, JsonNode totalCostUsd,
                JsonNode numTurns,
                               JsonNode durationMs, JsonNode stopReason, String error) {
            public static Metadata of(String status) {
                return new Metadata(status, null, null, null, null, null, null);
            }
        }
    }

    /** {@code item.started}: an item begins (content may be empty, or partial). */
    record ItemStarted(@JsonProperty(required = true) Item item) implements EventData {
        public ItemStarted {
            Objects.requireNonNull(item, "item");
        }
    }

    /** {@code item.delta}: more text of a streaming item. */
    record ItemDelta(@JsonProperty(required = true) String itemId,
            @JsonProperty(required = true) String delta) implements EventData {
        public ItemDelta {
            Objects.requireNonNull(itemId, "itemId");
            Objects.requireNonNull(delta, "delta");
        }
    }

    /** {@code item.completed}: an item as it finally is. */
    record ItemCompleted(@JsonProperty(required = true) Item item) implements EventData {
        public ItemCompleted {
            Objects.requireNonNull(item, "item");
        }
    }

    /**
     * {@code permission.requested}: the agent waits for the client's yes or no.
     *
     * @param action   what the agent wants to do, in words
     * @param status   requested
     * @param metadata the agent's own view of the request (tool, input, ...)
     */
    record PermissionRequested(@JsonProperty(required = true) String permissionId,
                               @JsonProperty(required = true) @JsonInclude(JsonInclude.Include.ALWAYS) String action,
                               @JsonProperty(required = true) String status, JsonNode metadata) implements EventData {
        public PermissionRequested {
            Objects.requireNonNull(permissionId, "permissionId");
        }
    }

    /**
     * {@code permission.resolved}.
     *
     * @param status   accept | accept_for_session | reject
     * @param metadata e.g. {@code {"reason": "turn_ended"}} for a request its turn ended before anyone answered
     */
    record PermissionResolved(@JsonProperty(required = true) String permissionId,
                               @JsonProperty(required = true) @JsonInclude(JsonInclude.Include.ALWAYS) String action,
                              @JsonProperty(required = true) String status, JsonNode metadata) implements EventData {
        public PermissionResolved {
            Objects.requireNonNull(permissionId, "permissionId");
        }
    }

    /**
     * {@code question.requested}: the agent asks the client.
     *
     * @param options   the first question's choices
     * @param response  always null here (on the wire too)
     * @param questions every question, when the agent asked structured ones
     */
    record QuestionRequested(@JsonProperty(required = true) String questionId,
            @JsonProperty(required = true) String prompt,
            @JsonProperty(required = true) List<String> options, @JsonProperty(required = true) String status,
            @JsonProperty(required = true) @JsonInclude(JsonInclude.Include.ALWAYS) String response,
            List<Question> questions,
            JsonNode metadata) implements EventData {
        public QuestionRequested {
            Objects.requireNonNull(questionId, "questionId");
            options = options == null ? List.of() : List.copyOf(options);
            questions = questions == null ? null : List.copyOf(questions);
        }
    }

    /**
     * {@code question.resolved}.
     *
     * @param status   answered | rejected
     * @param response the answer; null when rejected
     * @param metadata e.g. {@code {"reason": "turn_ended"}} for a question its turn ended before anyone answered
     */
    record QuestionResolved(@JsonProperty(required = true) String questionId,
            @JsonProperty(required = true) String prompt,
            @JsonProperty(required = true) List<String> options, @JsonProperty(required = true) String status,
            @JsonProperty(required = true) @JsonInclude(JsonInclude.Include.ALWAYS) String response,
            List<Question> questions,
            JsonNode metadata) implements EventData {
        public QuestionResolved {
            Objects.requireNonNull(questionId, "questionId");
            options = options == null ? List.of() : List.copyOf(options);
            questions = questions == null ? null : List.copyOf(questions);
        }
    }

    /** One question of a structured request: its text, its header, its choices. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Question(@JsonProperty(required = true) String question,
            @JsonProperty(required = true) @JsonInclude(JsonInclude.Include.ALWAYS) String header,
                    @JsonProperty(required = true) boolean multiSelect,
                    @JsonProperty(required = true) List<String> options) {
        public Question {
            options = options == null ? List.of() : List.copyOf(options);
        }
    }

    /**
     * {@code error}.
     *
     * @param code       a short machine word, the same for every agent (docs/api.md): {@code provider_error},
     *                   {@code agent_error}, {@code agent_process_exited}, {@code events_not_stored}
     * @param details    the agent's own account of the error ({@code agent_code}, {@code http_status}, ...)
     * @param willRetry  whether the agent retries by itself
     * @param turnId     the turn it cost, when the server reports one
     * @param lostEvents how many events the store lost (code {@code events_not_stored})
     */
    record Error(@JsonProperty(required = true) String message, String code, JsonNode details, Boolean willRetry,
            String turnId, Long lostEvents)
            implements EventData {
        public Error {
            Objects.requireNonNull(message, "message");
        }

        public Error(String message, String code) {
            this(message, code, null, null, null, null);
        }
    }

    /**
     * {@code agent.unparsed}: a line of the agent's the adapter could not read (the line itself is the event's
     * {@code raw}).
     *
     * @param error    why, in words
     * @param location where the line came from (stdout)
     * @param rawHash  hex SHA-256 of the line
     */
    record AgentUnparsed(@JsonProperty(required = true) String error, @JsonProperty(required = true) String location,
            String rawHash) implements EventData {
    }
}
