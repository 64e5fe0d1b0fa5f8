package dev.sandboxagent.agents;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.schema.EventData;
import java.util.Objects;

/**
 * What an {@link AgentProtocol} makes of one line of its agent's output, or of one request from the session core:
 * data, never an action. The launcher ({@link TerminalAgentProcess}) applies them in order: it writes replies to
 * the agent, hands events to the session, and finishes the start on {@link Ready} or {@link StartFailed}.
 */
public sealed interface ProtocolOutput {

    /** An event for the session's transcript. */
    record Emit(AgentEvent event) implements ProtocolOutput {
        public Emit {
            Objects.requireNonNull(event, "event");
        }
    }

    /** A line to write to the agent's input; {@code line} has no line end (the launcher adds {@code \n}). */
    record Reply(String line) implements ProtocolOutput {
        public Reply {
            Objects.requireNonNull(line, "line");
        }
    }

    /**
     * The agent ended the turn it was given. The turn's id is not the protocol's to know: the session core gave it
     * with {@code startTurn}, and the launcher labels the {@code turn.ended} event with it (or drops the end when
     * no turn was given, e.g. an end that raced an interrupt).
     *
     * @param metadata how it ended ({@code status}: completed | interrupted | error) and what the agent reported
     * @param raw      the agent's line that ended it; null when the protocol decided it alone
     */
    record TurnEnded(EventData.TurnEnded.Metadata metadata, JsonNode raw) implements ProtocolOutput {
        public TurnEnded {
            Objects.requireNonNull(metadata, "metadata");
        }
    }

    /** The agent is ready for its first message; {@code nativeSessionId} is its own id for the conversation. */
    record Ready(String nativeSessionId) implements ProtocolOutput {
    }

    /** The agent refused to start (its handshake failed): {@code reason} in words a user can act on. */
    record StartFailed(String reason) implements ProtocolOutput {
        public StartFailed {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** An event of {@code data}, translated from the agent's {@code raw} line. */
    static ProtocolOutput emit(EventData data, JsonNode raw, String nativeSessionId) {
        return new Emit(new AgentEvent(data, raw, nativeSessionId, false));
    }

    /** An event the protocol made up (no agent line stands for it, e.g. the resolution of a reply it wrote). */
    static ProtocolOutput synthetic(EventData data, String nativeSessionId) {
        return new Emit(new AgentEvent(data, null, nativeSessionId, true));
    }
}
