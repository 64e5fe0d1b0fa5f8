package dev.sandboxagent.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/** One part of an item's content, told apart on the wire by {@code type}, which comes first. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = ContentPart.Text.class, name = "text"),
        @JsonSubTypes.Type(value = ContentPart.Json.class, name = "json"),
        @JsonSubTypes.Type(value = ContentPart.ToolCall.class, name = "tool_call"),
        @JsonSubTypes.Type(value = ContentPart.ToolResult.class, name = "tool_result"),
        @JsonSubTypes.Type(value = ContentPart.FileRef.class, name = "file_ref"),
        @JsonSubTypes.Type(value = ContentPart.Image.class, name = "image"),
        @JsonSubTypes.Type(value = ContentPart.Reasoning.class, name = "reasoning"),
        @JsonSubTypes.Type(value = ContentPart.Status.class, name = "status")})
@JsonInclude(JsonInclude.Include.NON_NULL)
public sealed interface ContentPart {

    /** Plain text. */
    record Text(@JsonProperty(required = true) String text) implements ContentPart {
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }

    /** A JSON value. */
    record Json(@JsonProperty(required = true) JsonNode json) implements ContentPart {
    }

    /** A tool call: {@code arguments} is the call's input as JSON text. */
    record ToolCall(@JsonProperty(required = true) String name, @JsonProperty(required = true) String arguments,
            @JsonProperty(required = true) String callId) implements ContentPart {
    }

    /**
     * A tool's result.
     *
     * @param exitCode a command's exit code, when the tool ran one
     * @param status   the agent's status for a result that did not succeed; absent for one that did
     */
    @JsonPropertyOrder({"call_id", "output", "exit_code", "status"})
    record ToolResult(@JsonProperty(required = true) String callId, @JsonProperty(required = true) String output,
            Integer exitCode, String status) implements ContentPart {
        public ToolResult(String callId, String output) {
            this(callId, output, null, null);
        }
    }

    /** A file the item touched; {@code action} as the agent names it, {@code diff} when known. */
    @JsonPropertyOrder({"path", "action", "diff"})
    record FileRef(@JsonProperty(required = true) String path, @JsonProperty(required = true) String action,
            String diff) implements ContentPart {
    }

    /** An image file. */
    record Image(@JsonProperty(required = true) String path, String mime) implements ContentPart {
    }

    /** The model's reasoning; {@code visibility} public or private. */
    record Reasoning(@JsonProperty(required = true) String text,
            @JsonProperty(required = true) String visibility) implements ContentPart {
    }

    /** A status line: what happened ({@code label}) and the detail. */
    record Status(@JsonProperty(required = true) String label, String detail) implements ContentPart {
    }
}
