package dev.sandboxagent.server.sessions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sandboxagent.agents.AgentExit;
import dev.sandboxagent.store.EventDraft;

/** The events the server itself writes into a transcript (source "daemon"), in the universal schema. */
final class EventData {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private EventData() {
    }

    static EventDraft sessionStarted(ObjectNode metadata) {
        return EventDraft.daemon("session.started", JSON.objectNode().set("metadata", metadata));
    }

    static EventDraft sessionResumed(String nativeSessionId) {
        ObjectNode metadata = JSON.objectNode().put("previous_state", "interrupted");
        metadata.put("native_session_id", nativeSessionId);
        return EventDraft.daemon("session.resumed", JSON.objectNode().set("metadata", metadata));
    }

    static EventDraft turnStarted(String turnId) {
        return EventDraft.daemon("turn.started", JSON.objectNode().put("phase", "started").put("turn_id", turnId));
    }

    static EventDraft turnEnded(String turnId, String status) {
        ObjectNode data = JSON.objectNode().put("phase", "ended").put("turn_id", turnId);
        data.putObject("metadata").put("status", status);
        return EventDraft.daemon("turn.ended", data);
    }

    /** permission.resolved for a request its turn ended before anyone answered: not granted. */
    /** The store lost events of a turn (disk full): said in the transcript, just before the turn's end. */
    static EventDraft eventsLost(String turnId, long lost, String reason) {
        ObjectNode data = JSON.objectNode()
                .put("message", lost + " event(s) of turn " + turnId + " could not be stored (" + reason
                        + "); the turn was stopped")
                .put("code", "events_not_stored")
                .put("turn_id", turnId)
                .put("lost_events", lost);
        return EventDraft.daemon("error", data);
    }

    static EventDraft permissionDropped(JsonNode asked) {
        ObjectNode data = JSON.objectNode().put("permission_id", asked.path("permission_id").asText())
                .put("action", asked.path("action").asText(null)).put("status", "reject");
        data.putObject("metadata").put("reason", "turn_ended");
        return EventDraft.daemon("permission.resolved", data);
    }

    /** question.resolved for a question its turn ended before anyone answered. */
    static EventDraft questionDropped(JsonNode asked) {
        ObjectNode data = JSON.objectNode().put("question_id", asked.path("question_id").asText())
                .put("prompt", asked.path("prompt").asText(null));
        data.set("options", asked.path("options").isArray() ? asked.get("options") : JSON.arrayNode());
        data.put("status", "rejected").putNull("response");
        data.putObject("metadata").put("reason", "turn_ended");
        return EventDraft.daemon("question.resolved", data);
    }

    static EventDraft userMessage(String turnId, String text) {
        ObjectNode item = JSON.objectNode()
                .put("item_id", "user_" + turnId)
                .put("kind", "message")
                .put("role", "user")
                .put("status", "completed");
        item.putArray("content").addObject().put("type", "text").put("text", text);
        return new EventDraft("item.completed", "daemon", false, JSON.objectNode().set("item", item), null, null);
    }

    static EventDraft sessionEndedByRequest() {
        return EventDraft.daemon("session.ended",
                JSON.objectNode().put("reason", "terminated").put("terminated_by", "daemon"));
    }

    static EventDraft sessionEndedFailedStart(String message) {
        return EventDraft.daemon("session.ended", JSON.objectNode()
                .put("reason", "error").put("terminated_by", "daemon").put("message", message));
    }

    /** The error that precedes the ends when the agent exited without being asked to. */
    static EventDraft agentExited(AgentExit exit) {
        ObjectNode data = JSON.objectNode()
                .put("message", "the agent exited with code " + exit.exitCode())
                .put("code", "agent_process_exited");
        data.putObject("details").put("exit_code", exit.exitCode());
        return EventDraft.daemon("error", data);
    }

    static EventDraft sessionEnded(AgentExit exit) {
        ObjectNode data = JSON.objectNode();
        if (exit.requested()) {
            data.put("reason", "terminated").put("terminated_by", "daemon");
        } else {
            data.put("reason", exit.exitCode() == 0 ? "completed" : "error").put("terminated_by", "agent");
            if (exit.exitCode() != 0) {
                data.put("message", "the agent exited with code " + exit.exitCode());
            }
        }
        data.put("exit_code", exit.exitCode());
        if (exit.stderrLines() > 0) {
            ObjectNode stderr = data.putObject("stderr");
            stderr.put("head", String.join("\n", exit.stderrHead()));
            if (exit.truncated()) {
                stderr.put("tail", String.join("\n", exit.stderrTail()));
            }
            stderr.put("total_lines", exit.stderrLines());
            stderr.put("truncated", exit.truncated());
        }
        return EventDraft.daemon("session.ended", data);
    }

    static ArrayNode array() {
        return JSON.arrayNode();
    }

    static ObjectNode object() {
        return JSON.objectNode();
    }
}
