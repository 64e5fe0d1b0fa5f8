package dev.sandboxagent.server.sessions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.sandboxagent.agents.AgentExit;
import dev.sandboxagent.schema.ContentPart;
import dev.sandboxagent.schema.EventData.Error;
import dev.sandboxagent.schema.EventData.ItemCompleted;
import dev.sandboxagent.schema.EventData.PermissionResolved;
import dev.sandboxagent.schema.EventData.QuestionResolved;
import dev.sandboxagent.schema.EventData.SessionEnded;
import dev.sandboxagent.schema.EventData.SessionResumed;
import dev.sandboxagent.schema.EventData.SessionStarted;
import dev.sandboxagent.schema.EventData.TurnEnded;
import dev.sandboxagent.schema.EventData.TurnStarted;
import dev.sandboxagent.schema.Item;
import dev.sandboxagent.store.EventDraft;
import java.util.List;

/**
 * The events the server itself writes into a transcript (source "daemon"): records of the event-schema module,
 * encoded by its codec.
 */
final class EventData {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private EventData() {
    }

    static EventDraft sessionStarted(String agent, String agentMode, String permissionMode, String directory,
                                     String model) {
        return daemon(new SessionStarted(new SessionStarted.Metadata(agent, agentMode, permissionMode, directory,
                model)));
    }

    static EventDraft sessionResumed(String nativeSessionId) {
        return daemon(new SessionResumed(new SessionResumed.Metadata("interrupted", nativeSessionId)));
    }

    static EventDraft turnStarted(String turnId) {
        return daemon(new TurnStarted(turnId));
    }

    static EventDraft turnEnded(String turnId, String status) {
        return daemon(TurnEnded.of(turnId, status));
    }

    /** The store lost events of a turn (disk full): said in the transcript, just before the turn's end. */
    static EventDraft eventsLost(String turnId, long lost, String reason) {
        return daemon(new Error(lost + " event(s) of turn " + turnId + " could not be stored (" + reason
                + "); the turn was stopped", "events_not_stored", null, null, turnId, lost));
    }

    /** permission.resolved for a request its turn ended before anyone answered: not granted. */
    static EventDraft permissionDropped(dev.sandboxagent.schema.EventData.PermissionRequested asked) {
        return daemon(new PermissionResolved(asked.permissionId(), asked.action(), "reject", turnEnded()));
    }

    /** question.resolved for a question its turn ended before anyone answered. */
    static EventDraft questionDropped(dev.sandboxagent.schema.EventData.QuestionRequested asked) {
        return daemon(new QuestionResolved(asked.questionId(), asked.prompt(), asked.options(), "rejected", null, null,
                turnEnded()));
    }

    static EventDraft userMessage(String turnId, String text) {
        ItemCompleted data = new ItemCompleted(new Item("user_" + turnId, null, Item.Kind.MESSAGE, Item.Role.USER,
                Item.Status.COMPLETED, List.of(new ContentPart.Text(text)), null));
        return TypedData.draft(data, "daemon", false, null, null);
    }

    static EventDraft sessionEndedByRequest() {
        return daemon(new SessionEnded("terminated", "daemon", null, null, null));
    }

    static EventDraft sessionEndedFailedStart(String message) {
        return daemon(new SessionEnded("error", "daemon", message, null, null));
    }

    /** The error that precedes the ends when the agent exited without being asked to. */
    static EventDraft agentExited(AgentExit exit) {
        JsonNode details = JSON.objectNode().put("exit_code", exit.exitCode());
        return daemon(new Error("the agent exited with code " + exit.exitCode(), "agent_process_exited", details,
                null, null, null));
    }

    static EventDraft sessionEnded(AgentExit exit) {
        SessionEnded.Stderr stderr = exit.stderrLines() > 0
                ? new SessionEnded.Stderr(String.join("\n", exit.stderrHead()),
                        exit.truncated() ? String.join("\n", exit.stderrTail()) : null, exit.stderrLines(),
                        exit.truncated())
                : null;
        if (exit.requested()) {
            return daemon(new SessionEnded("terminated", "daemon", null, exit.exitCode(), stderr));
        }
        boolean failed = exit.exitCode() != 0;
        return daemon(new SessionEnded(failed ? "error" : "completed", "agent",
                failed ? "the agent exited with code " + exit.exitCode() : null, exit.exitCode(), stderr));
    }

    /** {@code metadata} of a request its turn ended before anyone answered. */
    private static JsonNode turnEnded() {
        return JSON.objectNode().put("reason", "turn_ended");
    }

    private static EventDraft daemon(dev.sandboxagent.schema.EventData data) {
        return TypedData.draft(data, "daemon", true, null, null);
    }
}
