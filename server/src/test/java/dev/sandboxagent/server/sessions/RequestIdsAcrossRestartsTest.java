package dev.sandboxagent.server.sessions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandboxagent.agents.AgentEvent;
import dev.sandboxagent.agents.AgentProcess;
import dev.sandboxagent.schema.EventData.PermissionRequested;
import dev.sandboxagent.schema.EventData.PermissionResolved;
import dev.sandboxagent.schema.EventData.QuestionRequested;
import dev.sandboxagent.schema.EventData.QuestionResolved;
import dev.sandboxagent.schema.EventData.TurnEnded;
import dev.sandboxagent.store.SessionSpec;
import dev.sandboxagent.store.SessionStore;
import dev.sandboxagent.store.UniversalEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ACP agents (opencode, gemini) and codex give their requests their JSON-RPC ids, counted from 0 by each process.
 * A session outlives its agent process (resume after a server restart, new credentials, a crash): here two
 * processes of one session each ask permission "0" and question "0", as a restarted ACP or codex agent does, over
 * a real SQLite store. The session's log must name them differently, an answer to the old one must not reach the
 * new process, and an answer to the new one must reach it under the agent's own id. Before, both requests were
 * "0" in the log, and an answer meant for the first answered the second.
 */
class RequestIdsAcrossRestartsTest {
    private static final String ID_PATTERN = "^[A-Za-z0-9._-]{1,128}$"; // openapi.json SessionId, used for all ids

    @TempDir
    Path dataDir;

    @Test
    void requestsOfARestartedAgentGetIdsOfTheirOwnAndAnswersReachTheAgentUnderItsId() {
        try (SessionStore store = SessionStore.openSqlite(dataDir)) {
            store.create(new SessionSpec("s", "opencode", "build", "default", null, null, "/", null));

            RecordingAgent first = new RecordingAgent();
            LiveSession before = new LiveSession("s", store, null, ended -> { }, (id, text) -> { });
            before.attach(first);
            before.startTurn("turn_1", "write a file");
            before.onEvent(agentSays(new PermissionRequested("0", "edit", "requested", null)));
            before.onEvent(agentSays(new QuestionRequested("0", "which file?", List.of("a", "b"), "requested", null,
                    null, null)));
            before.stopQuietly(Duration.ZERO); // the server stops; the session stays resumable

            RecordingAgent second = new RecordingAgent(); // the resumed agent: it counts from 0 again
            LiveSession after = new LiveSession("s", store, null, ended -> { }, (id, text) -> { });
            after.attach(second);
            after.startTurn("turn_2", "write it again");
            after.onEvent(agentSays(new PermissionRequested("0", "edit", "requested", null)));
            after.onEvent(agentSays(new QuestionRequested("0", "which file?", List.of("a", "b"), "requested", null,
                    null, null)));
            store.append("s", List.of(EventData.turnStarted("flush"))).join(); // the writer keeps append order

            List<String> permissionIds = ids(store, "permission.requested", "/permission_id");
            List<String> questionIds = ids(store, "question.requested", "/question_id");
            assertThat(permissionIds).hasSize(2).doesNotHaveDuplicates().allMatch(id -> id.matches(ID_PATTERN));
            assertThat(questionIds).hasSize(2).doesNotHaveDuplicates().allMatch(id -> id.matches(ID_PATTERN));

            // The old request went with its process: answering it is a 404, and nothing reaches the new agent.
            assertThatThrownBy(() -> after.replyPermission(permissionIds.get(0), "once"))
                    .isInstanceOfSatisfying(SessionException.class, e ->
                            assertThat(e.reason()).isEqualTo(SessionException.Reason.NO_PENDING_PERMISSION));
            assertThatThrownBy(() -> after.replyQuestion(questionIds.get(0), List.of(List.of("a"))))
                    .isInstanceOfSatisfying(SessionException.class, e ->
                            assertThat(e.reason()).isEqualTo(SessionException.Reason.NO_PENDING_QUESTION));
            assertThat(second.replies).isEmpty();

            // The new one is answered under the agent's own id, and its resolution is logged under the session's.
            after.replyPermission(permissionIds.get(1), "once");
            after.replyQuestion(questionIds.get(1), List.of(List.of("b")));
            assertThat(second.replies).containsExactly("permission 0 once", "question 0 [[b]]");
            after.onEvent(agentSays(new PermissionResolved("0", "edit", "accept", null)));
            after.onEvent(agentSays(new QuestionResolved("0", "which file?", List.of("a", "b"), "answered", "b",
                    null, null)));
            after.onEvent(agentSays(TurnEnded.of("turn_2", "completed")));
            store.append("s", List.of(EventData.turnStarted("flush"))).join();
            assertThat(ids(store, "permission.resolved", "/permission_id")).containsExactly(permissionIds.get(1));
            assertThat(ids(store, "question.resolved", "/question_id")).containsExactly(questionIds.get(1));
            assertThat(first.replies).isEmpty();
        }
    }

    private static AgentEvent agentSays(dev.sandboxagent.schema.EventData data) {
        return new AgentEvent(data, null, null, false);
    }

    private static List<String> ids(SessionStore store, String type, String pointer) {
        return store.read("s", 0, 1000).stream().filter(e -> e.type().equals(type))
                .map(UniversalEvent::data).map(d -> d.at(pointer).asText()).toList();
    }

    /** An agent process that records the answers it is given; the test reports its events itself. */
    private static final class RecordingAgent implements AgentProcess {
        final List<String> replies = new CopyOnWriteArrayList<>();

        @Override public String nativeSessionId() { return null; }
        @Override public long pid() { return -1; }
        @Override public boolean isAlive() { return false; }
        @Override public void startTurn(String turnId, String message) { }
        @Override public CompletableFuture<Void> replyPermission(String permissionId, String reply) {
            replies.add("permission " + permissionId + " " + reply);
            return CompletableFuture.completedFuture(null);
        }
        @Override public CompletableFuture<Void> replyQuestion(String questionId, List<List<String>> answers) {
            replies.add("question " + questionId + " " + answers);
            return CompletableFuture.completedFuture(null);
        }
        @Override public CompletableFuture<Void> rejectQuestion(String questionId) {
            replies.add("reject " + questionId);
            return CompletableFuture.completedFuture(null);
        }
        @Override public void interrupt() { }
        @Override public void terminate(Duration grace) { }
    }
}
