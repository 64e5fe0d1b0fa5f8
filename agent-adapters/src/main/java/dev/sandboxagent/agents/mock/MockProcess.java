package dev.sandboxagent.agents.mock;

import dev.sandboxagent.agents.AgentEvent;
import dev.sandboxagent.agents.AgentLaunch;
import dev.sandboxagent.agents.AgentListener;
import dev.sandboxagent.agents.AgentStartException;
import dev.sandboxagent.agents.TerminalAgentProcess;
import dev.sandboxagent.agents.pty.LineReader;
import dev.sandboxagent.agents.pty.TerminalProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One running mock agent: writes the adapter side of the protocol, reads the agent side into events. Events and the
 * exit reach the listener from the terminal's threads, in order; nothing reaches it for a start that failed.
 */
final class MockProcess extends TerminalAgentProcess {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);
    private static final int EARLY_LINES_KEPT = 100;

    private final MockProtocol protocol = new MockProtocol();
    /** Completes with the native session id on the READY line; fails if the start failed (then nothing is told). */
    private final CompletableFuture<String> ready = new CompletableFuture<>();
    private final List<String> early = new ArrayList<>(); // lines before READY: reader thread only

    private MockProcess(AgentListener listener) {
        super("mock", listener);
    }

    static MockProcess start(List<String> command, AgentLaunch launch, Path directory, AgentListener listener)
            throws AgentStartException {
        MockProcess mock = new MockProcess(listener);
        try {
            mock.attach(TerminalProcess.builder(command)
                    .name("mock")
                    .directory(directory)
                    .environment(launch.environment())
                    .output(new LineReader(mock::onLine))
                    .onExit(mock::onExit)
                    .start());
        } catch (IOException e) {
            throw new AgentStartException("the mock agent could not be started: " + e.getMessage(), e);
        }
        mock.awaitReady();
        return mock;
    }

    private void awaitReady() throws AgentStartException {
        try {
            ready.get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            if (ready.completeExceptionally(e)) {
                terminal().terminate(Duration.ZERO);
                throw new AgentStartException("the mock agent did not report ready within "
                        + READY_TIMEOUT.toSeconds() + " s" + stderrDetail(), e);
            }
            // READY came at the last moment: started after all
        } catch (ExecutionException e) {
            try {
                terminal().waitFor(Duration.ofSeconds(5)); // the exit is what failed it; let stderr drain
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            throw new AgentStartException("the mock agent exited before it was ready (exit code "
                    + terminal().exit().getNow(-1) + ")" + stderrDetail(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (ready.completeExceptionally(e)) {
                terminal().terminate(Duration.ZERO);
                throw new AgentStartException("interrupted while starting the mock agent", e);
            }
        }
    }

    private void onLine(String line) {
        if (!ready.isDone()) {
            if (protocol.ready(line).isEmpty()) {
                if (early.size() < EARLY_LINES_KEPT) {
                    early.add(line);
                }
                return;
            }
            if (!ready.complete(protocol.nativeSessionId())) {
                return; // the start already failed
            }
            early.forEach(l -> deliver(protocol.unparsed(l, "output before READY")));
            early.clear();
            return;
        }
        if (ready.isCompletedExceptionally()) {
            return;
        }
        for (AgentEvent event : protocol.parse(line)) {
            deliver(event);
        }
    }

    private void onExit(int code) {
        // Runs after the last line was delivered. If READY never came, start() fails and nobody is told.
        if (!ready.completeExceptionally(new IOException("the mock agent exited with code " + code))
                && !ready.isCompletedExceptionally()) {
            reportExit(code);
        }
    }

    @Override
    public String nativeSessionId() {
        return protocol.nativeSessionId();
    }

    @Override
    public void startTurn(String turnId, String message) {
        StringBuilder input = new StringBuilder(message.length() + 64)
                .append("T ").append(MockText.encode(turnId)).append('\n');
        for (String line : message.split("\n", -1)) {
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1); // CRLF is a line end too
            }
            input.append("L ").append(MockText.encode(line)).append('\n');
        }
        send(input.append("E\n"));
    }

    @Override
    public void replyPermission(String permissionId, String reply) {
        send(new StringBuilder("P ").append(MockText.encode(permissionId)).append(' ')
                .append(MockText.encode(reply)).append('\n'));
    }

    @Override
    public void replyQuestion(String questionId, List<List<String>> answers) {
        String answer = answers.isEmpty() || answers.get(0) == null ? "" : String.join(", ", answers.get(0));
        send(new StringBuilder("Q ").append(MockText.encode(questionId)).append(" A ")
                .append(MockText.encode(answer)).append('\n'));
    }

    @Override
    public void rejectQuestion(String questionId) {
        send(new StringBuilder("Q ").append(MockText.encode(questionId)).append(" R\n"));
    }

    @Override
    public void interrupt() {
        send(new StringBuilder("I\n"));
    }

    /** One write per call, so a message's lines reach the mock together; never blocks the caller. */
    private void send(CharSequence input) {
        write(input.toString());
    }

    @Override
    public String toString() {
        return "MockProcess[pid " + pid() + ", native " + nativeSessionId() + "]";
    }
}
