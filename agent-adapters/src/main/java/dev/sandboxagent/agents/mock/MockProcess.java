package dev.sandboxagent.agents.mock;

import dev.sandboxagent.agents.AgentEvent;
import dev.sandboxagent.agents.AgentExit;
import dev.sandboxagent.agents.AgentLaunch;
import dev.sandboxagent.agents.AgentListener;
import dev.sandboxagent.agents.AgentProcess;
import dev.sandboxagent.agents.AgentStartException;
import dev.sandboxagent.agents.pty.LineReader;
import dev.sandboxagent.agents.pty.StderrCapture;
import dev.sandboxagent.agents.pty.TerminalProcess;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One running mock agent: writes the adapter side of the protocol, reads the agent side into events. Events and the
 * exit reach the listener from the terminal's threads, in order; nothing reaches it for a start that failed.
 */
final class MockProcess implements AgentProcess {
    private static final System.Logger LOG = System.getLogger(MockProcess.class.getName());
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);
    private static final int EARLY_LINES_KEPT = 100;

    private final MockProtocol protocol = new MockProtocol();
    private final AgentListener listener;
    /** Completes with the native session id on the READY line; fails if the start failed (then nothing is told). */
    private final CompletableFuture<String> ready = new CompletableFuture<>();
    private final List<String> early = new ArrayList<>(); // lines before READY: reader thread only
    private final AtomicBoolean exitReported = new AtomicBoolean();
    private volatile TerminalProcess terminal;

    private MockProcess(AgentListener listener) {
        this.listener = listener;
    }

    static MockProcess start(List<String> command, AgentLaunch launch, Path directory, AgentListener listener)
            throws AgentStartException {
        MockProcess mock = new MockProcess(listener);
        try {
            mock.terminal = TerminalProcess.builder(command)
                    .name("mock")
                    .directory(directory)
                    .environment(launch.environment())
                    .output(new LineReader(mock::onLine))
                    .onExit(mock::onExit)
                    .start();
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
                terminal.terminate(Duration.ZERO);
                throw new AgentStartException("the mock agent did not report ready within "
                        + READY_TIMEOUT.toSeconds() + " s" + stderrDetail(), e);
            }
            // READY came at the last moment: started after all
        } catch (ExecutionException e) {
            try {
                terminal.waitFor(Duration.ofSeconds(5)); // the exit is what failed it; let stderr drain
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            throw new AgentStartException("the mock agent exited before it was ready (exit code "
                    + terminal.exit().getNow(-1) + ")" + stderrDetail(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (ready.completeExceptionally(e)) {
                terminal.terminate(Duration.ZERO);
                throw new AgentStartException("interrupted while starting the mock agent", e);
            }
        }
    }

    private String stderrDetail() {
        String err = terminal.stderr().toString().strip();
        return err.isEmpty() ? "" : "; stderr: " + err;
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

    private void deliver(AgentEvent event) {
        try {
            listener.onEvent(event);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "listener failed on " + event.type() + " of mock pid " + pid(), e);
        }
    }

    private void onExit(int code) {
        // Runs after the last line was delivered. If READY never came, start() fails and nobody is told.
        if (!ready.completeExceptionally(new IOException("the mock agent exited with code " + code))
                && !ready.isCompletedExceptionally() && exitReported.compareAndSet(false, true)) {
            StderrCapture stderr = terminal.stderr();
            listener.onExit(new AgentExit(code, terminal.terminationRequested(), stderr.head(), stderr.tail(),
                    stderr.total()));
        }
    }

    @Override
    public String nativeSessionId() {
        return protocol.nativeSessionId();
    }

    @Override
    public long pid() {
        TerminalProcess t = terminal;
        return t == null ? -1 : t.pid();
    }

    @Override
    public boolean isAlive() {
        return terminal.isAlive();
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

    @Override
    public void terminate(Duration grace) {
        terminal.terminate(grace);
    }

    /** One write per call, so a message's lines reach the mock together; never blocks the caller. */
    private void send(CharSequence input) {
        terminal.writeAsync(input.toString().getBytes(StandardCharsets.UTF_8)).whenComplete((ok, e) -> {
            if (e != null) {
                // The process is gone; its exit is reported through onExit.
                LOG.log(Level.DEBUG, "mock pid " + pid() + " did not take input: " + e.getMessage());
            }
        });
    }

    @Override
    public String toString() {
        return "MockProcess[pid " + pid() + ", native " + nativeSessionId() + "]";
    }
}
