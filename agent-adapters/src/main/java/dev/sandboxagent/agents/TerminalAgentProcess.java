package dev.sandboxagent.agents;

import dev.sandboxagent.agents.pty.StderrCapture;
import dev.sandboxagent.agents.pty.TerminalProcess;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What every agent that runs under a {@link TerminalProcess} shares: handing events to the listener (a failing
 * listener never stops the reader), reporting the exit exactly once with the stderr head and tail, writing
 * protocol input without blocking the caller, and the process handle. Subclasses speak their agent's protocol.
 */
public abstract class TerminalAgentProcess implements AgentProcess {
    private static final System.Logger LOG = System.getLogger(TerminalAgentProcess.class.getName());

    private final String name;
    private final AgentListener listener;
    private final AtomicBoolean exitReported = new AtomicBoolean();
    private volatile TerminalProcess terminal;

    /** @param name a short name for messages ("claude", "codex", ...) */
    protected TerminalAgentProcess(String name, AgentListener listener) {
        this.name = name;
        this.listener = listener;
    }

    /** Set once, right after the terminal started (the output threads may run before it is set). */
    protected final void attach(TerminalProcess started) {
        this.terminal = started;
    }

    protected final TerminalProcess terminal() {
        return terminal;
    }

    /** Hands an event to the listener; a listener that throws is logged, and the agent's output still drains. */
    protected final void deliver(AgentEvent event) {
        try {
            listener.onEvent(event);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "listener failed on " + event.type() + " of " + name + " pid " + pid(), e);
        }
    }

    /** Tells the listener the process ended; only the first call counts. Call it after the last event. */
    protected final void reportExit(int code) {
        if (exitReported.compareAndSet(false, true)) {
            StderrCapture stderr = terminal.stderr();
            listener.onExit(new AgentExit(code, terminal.terminationRequested(), stderr.head(), stderr.tail(),
                    stderr.total()));
        }
    }

    /** "; stderr: ..." for error messages, or nothing when the agent wrote no stderr. */
    protected final String stderrDetail() {
        String err = terminal.stderr().toString().strip();
        return err.isEmpty() ? "" : "; stderr: " + err;
    }

    /**
     * Writes {@code text} to the agent in one piece, on the terminal's writer thread, so the caller never blocks;
     * a process that is gone reports its exit through the terminal instead.
     */
    protected final void write(String text) {
        terminal.writeAsync(text.getBytes(StandardCharsets.UTF_8)).whenComplete((ok, e) -> {
            if (e != null) {
                LOG.log(Level.DEBUG, name + " pid " + pid() + " did not take input: " + e.getMessage());
            }
        });
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
}
