package dev.sandboxagent.agents.codex;

import static dev.sandboxagent.schema.EventType.AGENT_UNPARSED;
import static dev.sandboxagent.schema.EventType.ERROR;
import static dev.sandboxagent.schema.EventType.PERMISSION_RESOLVED;
import static dev.sandboxagent.schema.EventType.QUESTION_RESOLVED;
import static dev.sandboxagent.schema.EventType.TURN_ENDED;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One running {@code codex app-server}: stdin and stdout are the PTY (in raw mode, so our lines reach it intact,
 * and app-server reads a tty like a pipe). The JSON-RPC conversation is ours to keep: request ids, the answers we
 * wait for, and the answers Codex waits for (approvals, questions, and an error for every request we do not serve).
 * A turn is one {@code turn/start} and, eventually, one {@code turn/completed}.
 */
final class CodexProcess extends TerminalAgentProcess implements CodexProtocol.Control {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** How the thread is opened: {@code thread/start} or {@code thread/resume}, with their params. */
    record ThreadRequest(String method, ObjectNode params) {
    }

    private final CodexProtocol protocol;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicLong requestIds = new AtomicLong();
    /** Our requests waiting for Codex's answer. */
    private final Map<Long, CompletableFuture<JsonNode>> calls = new ConcurrentHashMap<>();
    /** Approval requests waiting for the user: permission id -> the JSON-RPC id and what it is about. */
    private final Map<String, PendingPermission> pendingPermissions = new ConcurrentHashMap<>();
    /** request_user_input requests waiting for the user: question id -> the JSON-RPC id and what was asked. */
    private final Map<String, PendingQuestion> pendingQuestions = new ConcurrentHashMap<>();
    private volatile String threadId;
    /** Our turn id, and Codex's id for the same turn (known from turn/start's answer or turn/started). */
    private volatile String turnId;
    private volatile String nativeTurnId;
    private volatile boolean interruptRequested;

    private record PendingPermission(JsonNode requestId, String action) {
    }

    private record PendingQuestion(JsonNode requestId, List<String> questionIds, QuestionView view) {
    }

    private CodexProcess(AgentListener listener) {
        super("codex", listener);
        this.protocol = new CodexProtocol(this, null);
    }

    static CodexProcess start(List<String> command, Map<String, String> environment, Path directory,
                              ThreadRequest thread, Duration readyTimeout, AgentListener listener) throws AgentStartException {
        CodexProcess codex = new CodexProcess(listener);
        try {
            codex.attach(TerminalProcess.builder(command)
                    .name("codex")
                    .directory(directory)
                    .environment(environment)
                    .output(new LineReader(codex::onLine))
                    .onExit(codex::onExit)
                    .start());
        } catch (IOException e) {
            throw new AgentStartException("Codex could not be started: " + e.getMessage(), e);
        }
        try {
            codex.handshake(thread, readyTimeout);
        } catch (AgentStartException e) {
            codex.terminal().terminate(Duration.ZERO);
            throw e;
        }
        return codex;
    }

    /**
     * initialize, initialized, then the thread. The answer to initialize says app-server read its config and
     * listens; the thread's answer gives the id a later process resumes with.
     */
    private void handshake(ThreadRequest thread, Duration timeout)
            throws AgentStartException {
        long deadline = System.nanoTime() + timeout.toNanos();
        ObjectNode init = JSON.objectNode();
        init.putObject("clientInfo").put("name", "sandbox-agent").put("title", "sandbox-agent")
                .put("version", "0.1.0");
        init.putObject("capabilities").put("experimentalApi", false);
        await("initialize", call("initialize", init), deadline);
        send(JSON.objectNode().put("method", "initialized"));
        JsonNode opened = await(thread.method(), call(thread.method(), thread.params()), deadline);
        String id = opened.path("thread").path("id").asText(null);
        if (id == null) {
            throw new AgentStartException("Codex answered " + thread.method() + " without a thread id");
        }
        threadId = id;
        protocol.nativeSessionId(id);
        started.set(true);
    }

    /** Codex answered a request with a JSON-RPC error. */
    private static final class RpcError extends IOException {
        RpcError(String message) {
            super(message);
        }
    }

    private JsonNode await(String what, CompletableFuture<JsonNode> answer, long deadline)
            throws AgentStartException {
        try {
            return answer.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new AgentStartException("Codex did not answer " + what + " in time" + stderrDetail(), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RpcError) {
                throw new AgentStartException("Codex refused " + what + ": " + e.getCause().getMessage(),
                        e.getCause());
            }
            try {
                terminal().waitFor(Duration.ofSeconds(5));
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            throw new AgentStartException("Codex exited before it was ready (exit code "
                    + terminal().exit().getNow(-1) + ")" + stderrDetail(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentStartException("interrupted while starting Codex", e);
        }
    }

    private void onLine(String line) {
        for (AgentEvent event : protocol.parse(line)) {
            deliverOnceStarted(event);
        }
    }

    private void deliverOnceStarted(AgentEvent event) {
        if (!started.get() && !event.is(AGENT_UNPARSED)) {
            return; // nothing of a session happens before the thread is open; lines seen before are noise
        }
        deliver(event);
    }

    private void onExit(int code) {
        IOException gone = new IOException("Codex exited with code " + code);
        calls.values().forEach(c -> c.completeExceptionally(gone));
        if (started.get()) {
            reportExit(code);
        }
    }

    // --- what Codex says (reader thread) ---

    @Override
    public void response(long id, JsonNode result, JsonNode error) {
        CompletableFuture<JsonNode> call = calls.remove(id);
        if (call == null) {
            return;
        }
        if (error != null && !error.isNull()) {
            call.completeExceptionally(new RpcError(error.path("message").asText(error.toString())));
        } else {
            call.complete(result == null ? JSON.nullNode() : result);
        }
    }

    @Override
    public void approval(JsonNode requestId, String action) {
        pendingPermissions.put(requestId.asText(), new PendingPermission(requestId, action));
    }

    @Override
    public void question(JsonNode requestId, List<String> questionIds, QuestionView view) {
        pendingQuestions.put(requestId.asText(), new PendingQuestion(requestId, questionIds, view));
    }

    @Override
    public void unsupported(JsonNode requestId, String method) {
        ObjectNode answer = JSON.objectNode().set("id", requestId);
        answer.putObject("error").put("code", -32601)
                .put("message", "sandbox-agent does not handle " + method);
        send(answer);
    }

    @Override
    public void turnStarted(String id) {
        if (id != null && turnId != null && nativeTurnId == null) {
            nativeTurnId = id;
            if (interruptRequested) {
                sendInterrupt();
            }
        }
    }

    @Override
    public AgentEvent turnCompleted(JsonNode turn, JsonNode usage, JsonNode raw) {
        // One vocabulary for every agent (completed | interrupted | error): Codex's "failed" is our "error".
        String status = turn.path("status").asText("completed");
        if (!List.of("completed", "interrupted").contains(status)) {
            status = "error";
        }
        if (interruptRequested && !status.equals("completed")) {
            status = "interrupted";
        }
        ObjectNode metadata = JSON.objectNode().put("status", status);
        if (usage != null && !usage.isMissingNode()) {
            metadata.set("usage", usage);
        }
        if (turn.hasNonNull("durationMs")) {
            metadata.set("duration_ms", turn.get("durationMs"));
        }
        if (turn.hasNonNull("error")) {
            metadata.put("error", turn.path("error").path("message").asText(turn.get("error").toString()));
        }
        return endTurn(metadata, raw);
    }

    /** Forgets the turn; returns its turn.ended event, or null when no turn of ours was running. */
    private AgentEvent endTurn(ObjectNode metadata, JsonNode raw) {
        String turn = turnId;
        turnId = null;
        nativeTurnId = null;
        interruptRequested = false;
        pendingPermissions.clear(); // Codex drops the turn's open approvals and questions with it
        pendingQuestions.clear();
        if (turn == null) {
            return null; // a turn we did not start (or one we closed already): nothing to end
        }
        ObjectNode data = JSON.objectNode().put("phase", "ended").put("turn_id", turn);
        data.set("metadata", metadata);
        return new AgentEvent(TURN_ENDED, data, raw, threadId, raw == null);
    }

    // --- what the API asks for (any thread) ---

    @Override
    public String nativeSessionId() {
        return threadId;
    }

    @Override
    public void startTurn(String turnId, String message) {
        this.turnId = turnId;
        this.nativeTurnId = null;
        this.interruptRequested = false;
        ObjectNode params = JSON.objectNode().put("threadId", threadId);
        params.putArray("input").addObject().put("type", "text").put("text", message).putArray("text_elements");
        call("turn/start", params).whenComplete((result, error) -> {
            if (error == null) {
                turnStarted(result.path("turn").path("id").asText(null));
            } else if (turnId.equals(this.turnId)) {
                // Codex refused the turn (or died): no turn/completed will come, so end it here.
                deliver(new AgentEvent(ERROR, JSON.objectNode().put("message", "Codex did not start the turn: "
                        + error.getMessage()).put("code", "codex_error"), null, threadId, true));
                AgentEvent ended = endTurn(JSON.objectNode().put("status", "error"), null);
                if (ended != null) {
                    deliver(ended);
                }
            }
        });
    }

    @Override
    public void replyPermission(String permissionId, String reply) {
        PendingPermission pending = pendingPermissions.remove(permissionId);
        if (pending == null) {
            return; // answered already, or its turn is over
        }
        String decision;
        String status;
        switch (reply) {
            case "once" -> {
                decision = "accept";
                status = "accept";
            }
            case "always" -> {
                decision = "acceptForSession";
                status = "accept_for_session";
            }
            default -> {
                decision = "decline";
                status = "reject";
            }
        }
        ObjectNode answer = JSON.objectNode().set("id", pending.requestId());
        answer.putObject("result").put("decision", decision);
        send(answer);
        deliver(new AgentEvent(PERMISSION_RESOLVED, JSON.objectNode().put("permission_id", permissionId)
                .put("action", pending.action()).put("status", status), null, threadId, true));
    }

    /**
     * The result request_user_input waits for: {@code {"answers": {<question id>: {"answers": [...]}}}}, answer i
     * for question i. Codex passes it to the model as the tool's output, as it is.
     */
    @Override
    public void replyQuestion(String questionId, List<List<String>> answers) {
        PendingQuestion pending = pendingQuestions.remove(questionId);
        if (pending == null) {
            return; // answered already, or its turn is over
        }
        List<List<String>> given = answers == null ? List.of() : answers;
        ObjectNode answer = JSON.objectNode().set("id", pending.requestId());
        ObjectNode byId = answer.putObject("result").putObject("answers");
        for (int i = 0; i < pending.questionIds().size() && i < given.size(); i++) {
            ArrayNode texts = byId.putObject(pending.questionIds().get(i)).putArray("answers");
            if (given.get(i) != null) {
                given.get(i).forEach(texts::add);
            }
        }
        send(answer);
        deliver(new AgentEvent(QUESTION_RESOLVED, pending.view().data(questionId, "answered",
                QuestionView.responseText(given)), null, threadId, true));
    }

    /**
     * No answers at all: Codex's own way of saying the user gave none (an error answer reaches the model the same
     * way), and its instructions tell the model to carry on with its best judgment rather than ask again.
     */
    @Override
    public void rejectQuestion(String questionId) {
        PendingQuestion pending = pendingQuestions.remove(questionId);
        if (pending == null) {
            return;
        }
        ObjectNode answer = JSON.objectNode().set("id", pending.requestId());
        answer.putObject("result").putObject("answers");
        send(answer);
        deliver(new AgentEvent(QUESTION_RESOLVED, pending.view().data(questionId, "rejected", null), null,
                threadId, true));
    }

    @Override
    public void interrupt() {
        if (turnId == null) {
            return;
        }
        interruptRequested = true;
        if (nativeTurnId != null) {
            sendInterrupt();
        } // else: sent as soon as Codex tells us the turn's id
    }

    private void sendInterrupt() {
        call("turn/interrupt", JSON.objectNode().put("threadId", threadId).put("turnId", nativeTurnId));
    }

    private CompletableFuture<JsonNode> call(String method, ObjectNode params) {
        long id = requestIds.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        calls.put(id, answer);
        ObjectNode request = JSON.objectNode().put("method", method).put("id", id);
        request.set("params", params);
        send(request);
        return answer;
    }

    private void send(ObjectNode message) {
        write(message.toString() + "\n");
    }

    @Override
    public String toString() {
        return "CodexProcess[pid " + pid() + ", thread " + threadId + "]";
    }
}
