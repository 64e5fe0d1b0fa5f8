package dev.sandboxagent.server.sessions;

import dev.sandboxagent.agents.AgentProcess;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** An agent that takes messages and does nothing with them: the test reports its events itself. */
final class IdleAgent implements AgentProcess {
    @Override public String nativeSessionId() { return null; }
    @Override public long pid() { return -1; }
    @Override public boolean isAlive() { return true; }
    @Override public void startTurn(String turnId, String message) { }
    @Override public CompletableFuture<Void> replyPermission(String permissionId, String reply) {
        return CompletableFuture.completedFuture(null);
    }
    @Override public CompletableFuture<Void> replyQuestion(String questionId, List<List<String>> answers) {
        return CompletableFuture.completedFuture(null);
    }
    @Override public CompletableFuture<Void> rejectQuestion(String questionId) {
        return CompletableFuture.completedFuture(null);
    }
    @Override public void interrupt() { }
    @Override public void terminate(Duration grace) { }
}
