package dev.sandboxagent.agents;

import dev.sandboxagent.agents.AgentReplyException.Reason;
import dev.sandboxagent.agents.pty.LineReader;
import dev.sandboxagent.agents.pty.StderrCapture;
import dev.sandboxagent.agents.pty.TerminalProcess;
import dev.sandboxagent.schema.EventData;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The one launcher of every agent that runs under a {@link TerminalProcess}: starts the process, waits until its
 * protocol says {@link ProtocolOutput.Ready}, feeds it each output line and each request of the session core, and
 * applies what the protocol returns: replies are written to the agent (in order, without blocking the caller),
 * events go to the listener (a failing listener never stops the reader), the turn's end is labelled with the turn
 * id the core gave. It reports the exit exactly once, with the stderr head and tail. The agent's own behaviour is
 * all in its {@link AgentProtocol}.
 */
public final class TerminalAgentProcess implements AgentProcess {
    private static final System.Logger LOG = System.getLogger(TerminalAgentProcess.class.getName());

    private final String name;
    private final AgentProtocol protocol;
    private final AgentListener listener;
    private final AtomicBoolean exitReported = new AtomicBoolean();
    /** Completes with the native session id on Ready; fails if the start failed (then nothing is told). */
    private final CompletableFuture<String> ready = new CompletableFuture<>();
    /** Guards the protocol, the turn id and the order of writes. Never held while the listener runs. */
    private final Object lock = new Object();
    private volatile TerminalProcess terminal;
    /** The turn the session core gave (its id labels the turn's end); null when none runs. Guarded by lock. */
    private String turnId;
    /** Events before Ready: held, so that a start that fails tells the listener nothing. Guarded by lock. */
    private final List<AgentEvent> beforeReady = new ArrayList<>();

    private TerminalAgentProcess(String name, AgentProtocol protocol, AgentListener listener) {
        this.name = name;
        this.protocol = protocol;
        this.listener = listener;
    }

    /**
     * Starts the agent and returns once its protocol reported it ready.
     *
     * @throws AgentStartException if it could not be started, refused to start, exited or was not ready in time
     *                             (the process is then stopped, and the listener is told nothing)
     */
    public static TerminalAgentProcess start(TerminalLaunch launch, AgentProtocol protocol, AgentListener listener)
            throws AgentStartException {
        TerminalAgentProcess agent = new TerminalAgentProcess(launch.displayName(), protocol, listener);
        List<AgentEvent> events;
        synchronized (agent.lock) { // output lines wait until the terminal is known and the handshake written
            try {
                agent.terminal = TerminalProcess.builder(launch.command())
                        .name(launch.name())
                        .directory(launch.directory())
                        .environment(launch.environment())
                        .stdinPipe(launch.stdinPipe())
                        .output(new LineReader(agent::onLine, agent::afterLines))
                        .onExit(agent::onExit)
                        .start();
            } catch (IOException e) {
                throw new AgentStartException(launch.displayName() + " could not be started: " + e.getMessage(), e);
            }
            events = agent.applyLocked(protocol.open(), new ArrayList<>());
        }
        agent.deliverAll(events);
        agent.awaitReady(launch.readyTimeout());
        return agent;
    }

    private void awaitReady(Duration timeout) throws AgentStartException {
        try {
            ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            if (ready.completeExceptionally(e)) {
                terminal.terminate(Duration.ZERO);
                throw new AgentStartException(name + " did not report ready within " + timeout.toSeconds() + " s"
                        + stderrDetail(), e);
            }
            // Ready came at the last moment: started after all
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Refused refused) {
                terminal.terminate(Duration.ZERO);
                throw new AgentStartException(name + " " + refused.getMessage() + stderrDetail(), refused);
            }
            try {
                terminal.waitFor(Duration.ofSeconds(5)); // the exit is what failed it; let stderr drain
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            throw new AgentStartException(name + " exited before it was ready (exit code "
                    + terminal.exit().getNow(-1) + ")" + stderrDetail(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (ready.completeExceptionally(e)) {
                terminal.terminate(Duration.ZERO);
                throw new AgentStartException("interrupted while starting " + name, e);
            }
        }
    }

    /** The protocol refused to start; its reason is the message. */
    private static final class Refused extends IOException {
        Refused(String reason) {
            super(reason);
        }
    }

    // --- the agent's output (reader thread) ---

    /**
     * The events of the lines of the read being handled, delivered together once its lines are done
     * ({@link #afterLines}): one read of a mock turn holds its four events, which the session then stores in one
     * append (one commit, one wake-up of the store's writer and of each stream) instead of four. Only the reader
     * thread of the moment touches it: a terminal's reads are handled one at a time.
     */
    private final List<AgentEvent> readEvents = new ArrayList<>();

    private void onLine(String line) {
        if (ready.isCompletedExceptionally()) {
            return; // the start failed: nobody is listening
        }
        synchronized (lock) {
            readEvents.addAll(applyLocked(protocol.onLine(line), new ArrayList<>()));
        }
    }

    private void afterLines() {
        if (readEvents.isEmpty()) {
            return;
        }
        List<AgentEvent> events = List.copyOf(readEvents);
        readEvents.clear();
        try {
            listener.onEvents(events);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "listener failed on " + events.size() + " event(s) of " + name + " pid " + pid(), e);
        }
    }

    private void onExit(int code) {
        // Runs after the last line was delivered. If Ready never came, start() fails and nobody is told.
        if (!ready.completeExceptionally(new IOException(name + " exited with code " + code))
                && !ready.isCompletedExceptionally()) {
            reportExit(code);
        }
    }

    /**
     * Applies outputs under the lock: writes replies (queued on the terminal's writer thread, so in order and
     * without blocking), labels a turn's end, settles the start. Returns the events to deliver once the lock is
     * released (the listener may take its own lock, which may be held by a thread calling into this one), and adds
     * the write's future to {@code writes}. The replies of one call go to the agent as one write, in order: a turn's
     * start is often several lines (the mock's {@code T}, {@code L}..., {@code E}), and each write is a hand-off to
     * the writer thread, a write(2), and a wake-up of the agent. Nothing else is ordered against them: the writes
     * are queued here, under the lock, before any of the returned events is delivered, as they were one by one.
     */
    private List<AgentEvent> applyLocked(List<ProtocolOutput> outputs, List<CompletableFuture<Void>> writes) {
        List<AgentEvent> events = new ArrayList<>(outputs.size());
        StringBuilder replies = null;
        for (ProtocolOutput output : outputs) {
            if (output instanceof ProtocolOutput.Emit emit) {
                (isReady() ? events : beforeReady).add(emit.event());
            } else if (output instanceof ProtocolOutput.Reply reply) {
                if (replies == null) {
                    replies = new StringBuilder(reply.line().length() + 1);
                }
                replies.append(reply.line()).append('\n');
            } else if (output instanceof ProtocolOutput.TurnEnded ended) {
                if (turnId != null) {
                    events.add(new AgentEvent(new EventData.TurnEnded(turnId, ended.metadata()), ended.raw(),
                            protocol.nativeSessionId(), ended.raw() == null));
                    turnId = null;
                } // else: an end with no turn of ours (e.g. one that raced an interrupt): nothing to close
            } else if (output instanceof ProtocolOutput.Ready r) {
                if (ready.complete(r.nativeSessionId())) {
                    events.addAll(beforeReady);
                }
                beforeReady.clear();
            } else if (output instanceof ProtocolOutput.StartFailed failed) {
                ready.completeExceptionally(new Refused(failed.reason()));
                beforeReady.clear();
            }
        }
        if (replies != null) {
            writes.add(terminal.writeAsync(replies.toString().getBytes(StandardCharsets.UTF_8)));
        }
        return events;
    }

    /** Started: Ready came (and the start did not fail first). */
    private boolean isReady() {
        return ready.isDone() && !ready.isCompletedExceptionally();
    }

    private void deliverAll(List<AgentEvent> events) {
        for (AgentEvent event : events) {
            try {
                listener.onEvent(event);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "listener failed on " + event.type() + " of " + name + " pid " + pid(), e);
            }
        }
    }

    private void reportExit(int code) {
        if (exitReported.compareAndSet(false, true)) {
            StderrCapture stderr = terminal.stderr();
            listener.onExit(new AgentExit(code, terminal.terminationRequested(), stderr.head(), stderr.tail(),
                    stderr.total()));
        }
    }

    /** "; stderr: ..." for error messages, or nothing when the agent wrote no stderr. */
    private String stderrDetail() {
        String err = terminal.stderr().toString().strip();
        return err.isEmpty() ? "" : "; stderr: " + err;
    }

    // --- what the session core asks for (any thread) ---

    @Override
    public void startTurn(String turnId, String message) {
        List<AgentEvent> events;
        synchronized (lock) {
            this.turnId = turnId;
            events = applyLocked(protocol.startTurn(turnId, message), new ArrayList<>());
        }
        deliverAll(events);
    }

    @Override
    public void interrupt() {
        List<AgentEvent> events;
        synchronized (lock) {
            events = applyLocked(protocol.interrupt(), new ArrayList<>());
        }
        deliverAll(events);
    }

    @Override
    public CompletableFuture<Void> replyPermission(String permissionId, String reply) {
        return answer(() -> protocol.replyPermission(permissionId, reply));
    }

    @Override
    public CompletableFuture<Void> replyQuestion(String questionId, List<List<String>> answers) {
        return answer(() -> protocol.replyQuestion(questionId, answers));
    }

    @Override
    public CompletableFuture<Void> rejectQuestion(String questionId) {
        return answer(() -> protocol.rejectQuestion(questionId));
    }

    /**
     * Applies an answer and returns a future of its writes. The events (the request's resolution) go out at once,
     * as the agent now has the answer on its way; what cannot reach the agent fails the future.
     */
    private CompletableFuture<Void> answer(Supplier<List<ProtocolOutput>> reply) {
        if (!isAlive()) {
            return CompletableFuture.failedFuture(new AgentReplyException(Reason.AGENT_GONE,
                    name + " (pid " + pid() + ") has exited"));
        }
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        List<AgentEvent> events;
        synchronized (lock) {
            try {
                events = applyLocked(reply.get(), writes);
            } catch (AgentReplyException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        deliverAll(events);
        return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).handle((ok, failure) -> {
            if (failure == null) {
                return null;
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            LOG.log(Level.DEBUG, name + " pid " + pid() + " did not take an answer: " + cause.getMessage());
            throw new AgentReplyException(isAlive() ? Reason.WRITE_FAILED : Reason.AGENT_GONE,
                    name + " (pid " + pid() + ") did not take the answer: " + cause.getMessage(), cause);
        });
    }

    @Override
    public String nativeSessionId() {
        synchronized (lock) {
            return protocol.nativeSessionId();
        }
    }

    @Override
    public Optional<AdvertisedOptions> advertised() {
        synchronized (lock) {
            return protocol.advertised();
        }
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
    public void terminate(Duration grace) {
        terminal.terminate(grace);
    }

    @Override
    public String toString() {
        return "TerminalAgentProcess[" + name + ", pid " + pid() + "]";
    }
}
