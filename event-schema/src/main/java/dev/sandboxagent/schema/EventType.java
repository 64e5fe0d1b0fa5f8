package dev.sandboxagent.schema;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every type of universal event, with its wire name and the record its {@code data} decodes to. The wire names
 * are the anchor's, plus {@code session.resumed} (ours: a session re-attached after a server restart).
 */
public enum EventType {
    SESSION_STARTED("session.started", EventData.SessionStarted.class),
    SESSION_RESUMED("session.resumed", EventData.SessionResumed.class),
    SESSION_ENDED("session.ended", EventData.SessionEnded.class),
    TURN_STARTED("turn.started", EventData.TurnStarted.class),
    TURN_ENDED("turn.ended", EventData.TurnEnded.class),
    ITEM_STARTED("item.started", EventData.ItemStarted.class),
    ITEM_DELTA("item.delta", EventData.ItemDelta.class),
    ITEM_COMPLETED("item.completed", EventData.ItemCompleted.class),
    PERMISSION_REQUESTED("permission.requested", EventData.PermissionRequested.class),
    PERMISSION_RESOLVED("permission.resolved", EventData.PermissionResolved.class),
    QUESTION_REQUESTED("question.requested", EventData.QuestionRequested.class),
    QUESTION_RESOLVED("question.resolved", EventData.QuestionResolved.class),
    ERROR("error", EventData.Error.class),
    AGENT_UNPARSED("agent.unparsed", EventData.AgentUnparsed.class);

    private static final Map<String, EventType> BY_WIRE = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(EventType::wire, Function.identity()));
    private static final Map<Class<?>, EventType> BY_DATA = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(EventType::dataType, Function.identity()));

    private final String wire;
    private final Class<? extends EventData> dataType;

    EventType(String wire, Class<? extends EventData> dataType) {
        this.wire = wire;
        this.dataType = dataType;
    }

    /** The name on the wire, e.g. {@code turn.ended}. */
    public String wire() {
        return wire;
    }

    /** The record this type's {@code data} decodes to. */
    public Class<? extends EventData> dataType() {
        return dataType;
    }

    /** True when {@code wireName} is this type's wire name (null-safe, for code that holds the name). */
    public boolean is(String wireName) {
        return wire.equals(wireName);
    }

    /** The type with this wire name; empty for a name this version does not know. */
    public static Optional<EventType> fromWire(String wireName) {
        return Optional.ofNullable(wireName == null ? null : BY_WIRE.get(wireName));
    }

    /** The type whose data is {@code data}'s record. */
    static EventType of(EventData data) {
        return of(data.getClass());
    }

    /** The type whose data is a {@code dataType} record. */
    public static EventType of(Class<? extends EventData> dataType) {
        return BY_DATA.get(dataType);
    }

    @Override
    public String toString() {
        return wire;
    }
}
