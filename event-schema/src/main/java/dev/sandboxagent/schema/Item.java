package dev.sandboxagent.schema;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A universal item: a message, a tool call, a tool's result, a status line. The data of {@code item.started} and
 * {@code item.completed}.
 *
 * @param nativeItemId the agent's own id for the item; absent for items the server makes (the user's message)
 * @param role         absent when the agent says nothing about it
 * @param parentId     the tool_call item a tool_result answers; a tool_result always carries it on the wire
 *                     (null when the call is unknown), other kinds only when set
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"item_id", "native_item_id", "kind", "role", "status", "content"})
public record Item(
        @JsonProperty(required = true) String itemId,
        String nativeItemId,
        @JsonProperty(required = true) Kind kind,
        Role role,
        @JsonProperty(required = true) Status status,
        @JsonProperty(required = true) List<ContentPart> content,
        // Read from the wire as a component, written by parentField(); ALWAYS says that it may be null when there.
        @JsonProperty(value = "parent_id", access = JsonProperty.Access.WRITE_ONLY)
        @JsonInclude(JsonInclude.Include.ALWAYS) String parentId) {

    public Item {
        Objects.requireNonNull(itemId, "itemId");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(status, "status");
        content = content == null ? List.of() : List.copyOf(content);
    }

    /** An item whose native id is its id, with no parent: what the adapters make of an agent's item. */
    public static Item of(String id, Kind kind, Role role, Status status, List<ContentPart> content) {
        return new Item(id, id, kind, role, status, content, null);
    }

    /** The same item with this content. */
    public Item withContent(List<ContentPart> newContent) {
        return new Item(itemId, nativeItemId, kind, role, status, newContent, parentId);
    }

    /** The same item answering the tool_call item {@code parent} (null when unknown). */
    public Item withParent(String parent) {
        return new Item(itemId, nativeItemId, kind, role, status, content, parent);
    }

    /**
     * {@code parent_id}, written last, and for a tool_result even when null (so that a client can tell "answers an
     * unknown call" from "not a result"): a field a plain inclusion rule cannot say.
     */
    @JsonAnyGetter
    Map<String, Object> parentField() {
        if (parentId == null && kind != Kind.TOOL_RESULT) {
            return Collections.emptyMap();
        }
        Map<String, Object> field = new HashMap<>(1);
        field.put("parent_id", parentId);
        return field;
    }

    /** What an item is. */
    public enum Kind {
        @JsonProperty("message") MESSAGE,
        @JsonProperty("tool_call") TOOL_CALL,
        @JsonProperty("tool_result") TOOL_RESULT,
        @JsonProperty("system") SYSTEM,
        @JsonProperty("status") STATUS,
        @JsonProperty("unknown") UNKNOWN
    }

    /** Who speaks. */
    public enum Role {
        @JsonProperty("user") USER,
        @JsonProperty("assistant") ASSISTANT,
        @JsonProperty("system") SYSTEM,
        @JsonProperty("tool") TOOL
    }

    /** Where the item is in its life. */
    public enum Status {
        @JsonProperty("in_progress") IN_PROGRESS,
        @JsonProperty("completed") COMPLETED,
        @JsonProperty("failed") FAILED
    }
}
