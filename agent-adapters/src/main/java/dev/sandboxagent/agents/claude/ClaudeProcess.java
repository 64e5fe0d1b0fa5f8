package dev.sandboxagent.agents.claude;

import static dev.sandboxagent.schema.EventType.ERROR;
import static dev.sandboxagent.schema.EventType.PERMISSION_REQUESTED;
import static dev.sandboxagent.schema.EventType.PERMISSION_RESOLVED;
import static dev.sandboxagent.schema.EventType.QUESTION_RESOLVED;
import static dev.sandboxagent.schema.EventType.TURN_ENDED;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sandboxagent.agents.AgentEvent;
import dev.sandboxagent.agents.AgentListener;
import dev.sandboxagent.agents.AgentStartException;
import dev.sandboxagent.agents.QuestionView;
import dev.sandboxagent.agents.TerminalAgentProcess;
import dev.sandboxagent.agents.pty.LineReader;
import dev.sandboxagent.agents.pty.TerminalProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One running Claude Code in stream-json mode: stdout is the PTY (read line by line), stdin a pipe (Claude Code
 * refuses stream-json input from a tty). A turn is one user line in and, eventually, one {@code result} line out.
 * Permission requests arrive as {@code control_request can_use_tool} and are answered by {@link #replyPermission}.
 */
final class ClaudeProcess extends TerminalAgentProcess implements ClaudeProtocol.Control {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final String INIT_REQUEST = "init_1";

    private final ClaudeProtocol protocol;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final AtomicLong requestIds = new AtomicLong();
    /** Permission requests waiting for a reply: request id -> the tool's input (allow must echo it back). */
    private final Map<String, PendingPermission> pendingPermissions = new ConcurrentHashMap<>();
    /** Tools the user allowed "always" in this process. */
    private final Set<String> alwaysAllowed = ConcurrentHashMap.newKeySet();
    private volatile String turnId;
    private volatile boolean interruptRequested;

    private record PendingPermission(String toolName, JsonNode input, String action) {
    }

    private record PendingQuestion(String toolName, JsonNode input, QuestionView view) {
    }

    /** Questions waiting for an answer: request id -> what was asked. */
    private final Map<String, PendingQuestion> pendingQuestions = new ConcurrentHashMap<>();

    private ClaudeProcess(AgentListener listener, String nativeSessionId) {
        super("claude", listener);
        this.protocol = new ClaudeProtocol(this, nativeSessionId);
    }

    static ClaudeProcess start(List<String> command, Map<String, String> environment, Path directory,
                               String nativeSessionId, Duration readyTimeout, AgentListener listener)
            throws AgentStartException {
        ClaudeProcess claude = new ClaudeProcess(listener, nativeSessionId);
        try {
            claude.attach(TerminalProcess.builder(command)
                    .name("claude")
                    .directory(directory)
                    .environment(environment)
                    .stdinPipe(true)
                    .output(new LineReader(claude::onLine))
                    .onExit(claude::onExit)
                    .start());
        } catch (IOException e) {
            throw new AgentStartException("Claude Code could not be started: " + e.getMessage(), e);
        }
        claude.awaitReady(readyTimeout);
        return claude;
    }

    /**
     * Claude Code prints nothing before its first input, so readiness is the answer to an initialize control
     * request: once it came, the CLI has parsed its flags, found its credentials and reads stdin.
     */
    private void awaitReady(Duration timeout) throws AgentStartException {
        send(JSON.objectNode().put("type", "control_request").put("request_id", INIT_REQUEST)
                .set("request", JSON.objectNode().put("subtype", "initialize").putNull("hooks")));
        try {
            ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            if (ready.completeExceptionally(e)) {
                terminal().terminate(Duration.ZERO);
                throw new AgentStartException("Claude Code did not answer within " + timeout.toSeconds() + " s"
                        + stderrDetail(), e);
            }
        } catch (ExecutionException e) {
            try {
                terminal().waitFor(Duration.ofSeconds(5));
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            throw new AgentStartException("Claude Code exited before it was ready (exit code "
                    + terminal().exit().getNow(-1) + ")" + stderrDetail(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (ready.completeExceptionally(e)) {
                terminal().terminate(Duration.ZERO);
                throw new AgentStartException("interrupted while starting Claude Code", e);
            }
        }
    }

    private void onLine(String line) {
        if (ready.isCompletedExceptionally()) {
            return;
        }
        for (AgentEvent event : protocol.parse(line)) {
            deliver(event);
            if (event.is(PERMISSION_REQUESTED)) {
                autoAllowIfAlways(event.data().path("permission_id").asText());
            }
        }
    }

    private void onExit(int code) {
        if (!ready.completeExceptionally(new IOException("Claude Code exited with code " + code))
                && !ready.isCompletedExceptionally()) {
            reportExit(code);
        }
    }

    // --- what Claude Code says (reader thread) ---

    @Override
    public void response(String requestId, JsonNode response) {
        if (requestId.equals(INIT_REQUEST)) {
            if (response.path("subtype").asText().equals("success")) {
                ready.complete(null);
            } else {
                ready.completeExceptionally(new IOException("initialize failed: " + response.path("error").asText()));
            }
        }
    }

    @Override
    public void toolPermission(String requestId, String toolName, JsonNode input) {
        String action = ClaudeProtocol.action(toolName, input);
        pendingPermissions.put(requestId, new PendingPermission(toolName, input, action));
    }

    @Override
    public void question(String requestId, String toolName, JsonNode input, QuestionView view) {
        pendingQuestions.put(requestId, new PendingQuestion(toolName, input, view));
    }

    /** Called right after the permission.requested event went out: answers at once for "always" tools. */
    private void autoAllowIfAlways(String requestId) {
        PendingPermission pending = pendingPermissions.get(requestId);
        if (pending != null && alwaysAllowed.contains(pending.toolName())) {
            replyPermission(requestId, "always");
        }
    }

    @Override
    public void result(JsonNode result) {
        // Requests still open belong to this turn, which Claude Code has ended: it no longer waits for them.
        pendingPermissions.clear();
        pendingQuestions.clear();
        String turn = turnId;
        turnId = null;
        boolean interrupted = interruptRequested;
        interruptRequested = false;
        boolean error = result.path("is_error").asBoolean(false);
        if (error && !interrupted) {
            ObjectNode data = JSON.objectNode().put("message", result.path("result").asText(
                    "Claude Code reported an error (" + result.path("subtype").asText() + ")"));
            data.put("code", result.hasNonNull("api_error_status")
                    ? "api_error_" + result.path("api_error_status").asText() : "agent_error");
            deliver(new AgentEvent(ERROR, data, result, protocol.nativeSessionId(), false));
        }
        if (turn == null) {
            return; // a result with no turn of ours (e.g. after an interrupt that raced the end): nothing to close
        }
        ObjectNode data = JSON.objectNode().put("phase", "ended").put("turn_id", turn);
        ObjectNode metadata = data.putObject("metadata")
                .put("status", interrupted ? "interrupted" : error ? "error" : "completed");
        for (String field : List.of("usage", "total_cost_usd", "num_turns", "duration_ms", "stop_reason")) {
            if (result.has(field)) {
                metadata.set(field, result.get(field));
            }
        }
        deliver(new AgentEvent(TURN_ENDED, data, result, protocol.nativeSessionId(), false));
    }

    @Override
    public void unsupported(String requestId, String subtype) {
        ObjectNode response = JSON.objectNode().put("subtype", "error").put("request_id", requestId)
                .put("error", "sandbox-agent does not handle control request '" + subtype + "'");
        send(JSON.objectNode().put("type", "control_response").set("response", response));
    }

    // --- what the API asks for (any thread) ---

    @Override
    public String nativeSessionId() {
        return protocol.nativeSessionId();
    }

    @Override
    public void startTurn(String turnId, String message) {
        this.turnId = turnId;
        this.interruptRequested = false;
        ObjectNode line = JSON.objectNode().put("type", "user");
        line.putObject("message").put("role", "user").put("content", message);
        line.putNull("parent_tool_use_id").put("session_id", "");
        send(line);
    }

    @Override
    public void replyPermission(String permissionId, String reply) {
        PendingPermission pending = pendingPermissions.remove(permissionId);
        if (pending == null) {
            return; // answered already (the session manager lets one reply through)
        }
        boolean allow = !reply.equals("reject");
        if (reply.equals("always")) {
            alwaysAllowed.add(pending.toolName());
        }
        ObjectNode decision = JSON.objectNode();
        if (allow) {
            decision.put("behavior", "allow").set("updatedInput", pending.input());
        } else {
            decision.put("behavior", "deny").put("message", "The user rejected this tool use.");
        }
        ObjectNode response = JSON.objectNode().put("subtype", "success").put("request_id", permissionId);
        response.set("response", decision);
        send(JSON.objectNode().put("type", "control_response").set("response", response));
        String status = switch (reply) {
            case "once" -> "accept";
            case "always" -> "accept_for_session";
            default -> "reject";
        };
        deliver(new AgentEvent(PERMISSION_RESOLVED, JSON.objectNode().put("permission_id", permissionId)
                .put("action", pending.action()).put("status", status), null, protocol.nativeSessionId(), true));
    }

    /**
     * AskUserQuestion: allowed, with the answers added to its input as {@code answers: {question: "a, b"}} (what
     * the tool reports back to the model). Plan approval: "approve" allows ExitPlanMode, anything else denies it.
     */
    @Override
    public void replyQuestion(String questionId, List<List<String>> answers) {
        PendingQuestion pending = pendingQuestions.remove(questionId);
        if (pending == null) {
            return;
        }
        String response = QuestionView.responseText(answers);
        ObjectNode decision = JSON.objectNode();
        if (pending.toolName().equals(ClaudeProtocol.EXIT_PLAN_MODE)) {
            boolean approved = !answers.isEmpty() && answers.get(0) != null
                    && answers.get(0).contains(ClaudeProtocol.APPROVE);
            if (approved) {
                decision.put("behavior", "allow").set("updatedInput", pending.input());
            } else {
                decision.put("behavior", "deny").put("message", "The user did not approve the plan: " + response);
            }
        } else {
            ObjectNode input = pending.input().isObject() ? ((ObjectNode) pending.input()).deepCopy()
                    : JSON.objectNode();
            ObjectNode given = input.putObject("answers");
            List<QuestionView.Question> questions = pending.view().questions();
            for (int i = 0; i < questions.size() && i < answers.size(); i++) {
                given.put(questions.get(i).text(), answers.get(i) == null ? "" : String.join(", ", answers.get(i)));
            }
            decision.put("behavior", "allow").set("updatedInput", input);
        }
        answerControl(questionId, decision);
        deliver(new AgentEvent(QUESTION_RESOLVED, pending.view().data(questionId, "answered", response), null,
                protocol.nativeSessionId(), true));
    }

    @Override
    public void rejectQuestion(String questionId) {
        PendingQuestion pending = pendingQuestions.remove(questionId);
        if (pending == null) {
            return;
        }
        answerControl(questionId, JSON.objectNode().put("behavior", "deny")
                .put("message", "The user declined to answer."));
        deliver(new AgentEvent(QUESTION_RESOLVED, pending.view().data(questionId, "rejected", null), null,
                protocol.nativeSessionId(), true));
    }

    private void answerControl(String requestId, ObjectNode decision) {
        ObjectNode response = JSON.objectNode().put("subtype", "success").put("request_id", requestId);
        response.set("response", decision);
        send(JSON.objectNode().put("type", "control_response").set("response", response));
    }

    @Override
    public void interrupt() {
        if (turnId == null) {
            return;
        }
        interruptRequested = true;
        // Pending permission requests die with the turn; Claude Code cancels them itself.
        send(JSON.objectNode().put("type", "control_request").put("request_id", "int_" + requestIds.incrementAndGet())
                .set("request", JSON.objectNode().put("subtype", "interrupt")));
    }

    private void send(ObjectNode message) {
        write(message.toString() + "\n");
    }

    @Override
    public String toString() {
        return "ClaudeProcess[pid " + pid() + ", native " + nativeSessionId() + "]";
    }
}
