package dev.sandboxagent.agents.acp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.agents.AgentEvent;
import java.util.Objects;

/**
 * What one step of {@link AcpProtocol} asks its process to do. {@link AcpAgentProtocol} maps these onto the seam's
 * {@code ProtocolOutput}: Emit and Send one to one, TurnFinished to TurnEnded, and the answers to our handshake
 * requests drive the start (they are not the launcher's to see).
 */
public sealed interface AcpOutput {

    /** A universal event to hand to the listener. */
    record Emit(AgentEvent event) implements AcpOutput {
        public Emit {
            Objects.requireNonNull(event, "event");
        }
    }

    /** A line to write to the agent's stdin (a request, a notification or an answer), without its newline. */
    record Send(String line) implements AcpOutput {
        public Send {
            Objects.requireNonNull(line, "line");
        }
    }

    /**
     * The agent answered one of our requests other than session/prompt ({@code initialize}, {@code session/new},
     * {@code session/load}, ...); {@code error} is null on success. {@code advertised} is what a successful
     * {@code session/new} or {@code session/load} answer said of the agent's modes and models (null for other
     * answers, and when it said nothing of either).
     */
    record Answered(long id, String method, JsonNode result, JsonNode error, AcpProtocol.Advertised advertised)
            implements AcpOutput {
    }

    /**
     * The prompt's turn is over: the agent's stop reason ({@code end_turn}, {@code cancelled}, {@code max_tokens},
     * {@code refusal}, ...; null when the prompt failed), its usage if it reported one, and the JSON-RPC error of
     * a failed prompt, and the agent's answer itself. The process turns this into {@code turn.ended} with its own
     * turn id.
     */
    record TurnFinished(String stopReason, JsonNode usage, JsonNode error, JsonNode raw) implements AcpOutput {
    }
}
