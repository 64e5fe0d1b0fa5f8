package dev.sandboxagent.server.warm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One supervised process and the thread that owns its life: start, probe, watch, back off, restart, stop. Every
 * state change happens on that thread, so listeners see them in order; other threads only post requests.
 */
final class WarmProcess {
    private static final System.Logger LOG = System.getLogger(WarmProcess.class.getName());
    /** Consecutive failed probes before a ready process counts as unhealthy (one slow answer is not a fault). */
    static final int UNHEALTHY_AFTER = 3;
    private static final int MAX_LINE = 16 * 1024;

    private final WarmProcessSpec spec;
    private final RotatingLog log;
    private final Consumer<ProcessStatus> listener;
    private final Object lock = new Object();

    // Guarded by lock.
    private ProcessState state = ProcessState.STOPPED;
    private long since = System.currentTimeMillis();
    private Long pid;
    private int restarts;
    private String lastError;
    private boolean stopRequested;
    private boolean restartRequested;
    private Thread thread;

    WarmProcess(WarmProcessSpec spec, RotatingLog log, Consumer<ProcessStatus> listener) {
        this.spec = spec;
        this.log = log;
        this.listener = listener;
    }

    WarmProcessSpec spec() {
        return spec;
    }

    RotatingLog log() {
        return log;
    }

    ProcessStatus status() {
        synchronized (lock) {
            return new ProcessStatus(spec.name(), state, pid, since, restarts, lastError);
        }
    }

    void start() {
        synchronized (lock) {
            if (thread != null && thread.isAlive()) {
                return;
            }
            stopRequested = false;
            thread = new Thread(this::run, "warm-" + spec.name());
            thread.setDaemon(true);
            thread.start();
        }
    }

    /** Stops the running process (TERM, then KILL) and starts it again at once, with the backoff reset. */
    void restart() {
        synchronized (lock) {
            if (stopRequested) {
                throw new IllegalStateException("warm process '" + spec.name() + "' is stopping");
            }
            if (thread == null || !thread.isAlive()) {
                restarts++;
                start(); // it had given up (restart policy); a requested restart brings it back
                return;
            }
            restartRequested = true;
            lock.notifyAll();
        }
    }

    /** Requests the stop and waits for it (TERM, the grace period, KILL). */
    void stop() {
        Thread t;
        synchronized (lock) {
            stopRequested = true;
            lock.notifyAll();
            t = thread;
        }
        if (t != null) {
            try {
                t.join(spec.stopGrace().toMillis() + 10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private record Outcome(boolean requested, int exitCode, long readyMillis, String error) {
    }

    private void run() {
        Duration delay = null;
        boolean first = true;
        while (true) {
            synchronized (lock) {
                if (stopRequested) {
                    break;
                }
                restartRequested = false;
                if (!first) {
                    restarts++;
                }
            }
            first = false;
            Outcome outcome = runOnce();
            if (outcome.requested()) {
                if (isStopRequested()) {
                    break;
                }
                delay = null; // a requested restart: at once, and the backoff starts over
                continue;
            }
            change(ProcessState.CRASHED, null, outcome.error());
            if (!spec.restart().restartsAfter(outcome.exitCode())) {
                if (outcome.exitCode() == 0) {
                    change(ProcessState.STOPPED, null, outcome.error());
                }
                return;
            }
            if (outcome.readyMillis() >= spec.restart().stableAfter().toMillis()) {
                delay = null; // it had been up long enough: this crash does not continue a crash loop
            }
            delay = spec.restart().next(delay);
            change(ProcessState.BACKING_OFF, null, outcome.error());
            if (waitForRequest(delay.toMillis()) && isStopRequested()) {
                break;
            }
        }
        change(ProcessState.STOPPED, null, currentError());
    }

    private Outcome runOnce() {
        change(ProcessState.STARTING, null, currentError());
        try {
            spec.beforeStart().run();
        } catch (RuntimeException e) {
            return new Outcome(false, -1, 0, "could not prepare the start: " + e.getMessage());
        }
        Process process;
        try {
            ProcessBuilder builder = new ProcessBuilder(ProcessGroup.launchCommand(spec.command()))
                    .redirectErrorStream(true);
            builder.environment().putAll(spec.env());
            if (spec.workingDir() != null) {
                builder.directory(spec.workingDir().toFile());
            }
            process = builder.start();
        } catch (IOException e) {
            return new Outcome(false, -1, 0, "could not start " + spec.command().get(0) + ": " + e.getMessage());
        }
        ProcessGroup group = ProcessGroup.of(process);
        Thread pump = pumpOutput(process);
        process.onExit().thenRun(() -> {
            synchronized (lock) {
                lock.notifyAll();
            }
        });
        log.append("--- sandbox-agent: started " + spec.name() + " (pid " + process.pid() + ")");
        change(ProcessState.STARTING, process.pid(), currentError());

        long startedAt = System.currentTimeMillis();
        long readySince = -1;
        long unhealthySince = -1;
        int failures = 0;
        Outcome outcome = null;
        while (outcome == null) {
            if (isStopRequested() || isRestartRequested()) {
                terminate(process, group);
                outcome = new Outcome(true, exitCode(process), 0, null);
                break;
            }
            if (!process.isAlive()) {
                break;
            }
            Duration probeTimeout = spec.probeInterval().compareTo(Duration.ofSeconds(2)) > 0
                    ? spec.probeInterval() : Duration.ofSeconds(2);
            Optional<String> failure = spec.probe().check(probeTimeout);
            long now = System.currentTimeMillis();
            if (!process.isAlive()) {
                break; // the probe's verdict is about a process that is gone
            }
            if (failure.isEmpty()) {
                failures = 0;
                unhealthySince = -1;
                if (readySince < 0) {
                    readySince = now;
                }
                if (currentState() != ProcessState.READY) {
                    change(ProcessState.READY, process.pid(), currentError());
                }
            } else if (readySince < 0) {
                if (now - startedAt > spec.startTimeout().toMillis()) {
                    String error = "not ready within " + spec.startTimeout().toSeconds() + " s: " + failure.get();
                    terminate(process, group);
                    outcome = new Outcome(false, exitCode(process), 0, error);
                }
            } else if (++failures >= UNHEALTHY_AFTER) {
                if (unhealthySince < 0) {
                    unhealthySince = now;
                    change(ProcessState.UNHEALTHY, process.pid(), failure.get());
                } else if (now - unhealthySince > spec.startTimeout().toMillis()) {
                    String error = "unhealthy for " + spec.startTimeout().toSeconds() + " s: " + failure.get();
                    terminate(process, group);
                    outcome = new Outcome(false, exitCode(process), now - readySince, error);
                }
            }
            if (outcome == null) {
                waitForRequest(spec.probeInterval().toMillis());
            }
        }
        if (outcome == null) {
            int code = exitCode(process);
            outcome = new Outcome(false, code,
                    readySince < 0 ? 0 : System.currentTimeMillis() - readySince, describeExit(code));
            // The leader died on its own; what it started is orphaned, and a fresh start must not meet it.
            group.killAll();
        }
        joinQuietly(pump);
        log.append("--- sandbox-agent: " + spec.name() + " (pid " + process.pid() + ") "
                + (outcome.requested() ? "stopped" : outcome.error()));
        return outcome;
    }

    /** TERM to the leader, which stops its own children in order; KILL to whatever is left after the grace. */
    private void terminate(Process process, ProcessGroup group) {
        change(ProcessState.STOPPING, process.pid(), currentError());
        long deadline = System.currentTimeMillis() + spec.stopGrace().toMillis();
        process.destroy();
        try {
            process.waitFor(spec.stopGrace().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            while (!group.members().isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(50); // children finishing their own shutdown after the leader
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (process.isAlive() || !group.members().isEmpty()) {
            LOG.log(Level.WARNING, spec.name() + " did not stop within " + spec.stopGrace().toMillis()
                    + " ms of TERM; killing it");
            process.destroyForcibly();
            group.killAll();
        }
        try {
            process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Thread pumpOutput(Process process) {
        Thread pump = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    log.append(line.length() > MAX_LINE ? line.substring(0, MAX_LINE) + " [cut]" : line);
                }
            } catch (IOException ignored) {
                // the process is gone
            }
        }, "warm-log-" + spec.name());
        pump.setDaemon(true);
        pump.start();
        return pump;
    }

    private static int exitCode(Process process) {
        try {
            return process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS) ? process.exitValue() : -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The JDK reports death by signal N as exit status 128+N. */
    static String describeExit(int code) {
        return code > 128 && code < 160 ? "killed by signal " + (code - 128) : "exited with status " + code;
    }

    private static void joinQuietly(Thread t) {
        try {
            t.join(2000); // a grandchild holding the pipe open must not hold us up
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits up to {@code millis} or until a stop/restart is requested; true when one was. */
    private boolean waitForRequest(long millis) {
        long deadline = System.currentTimeMillis() + millis;
        synchronized (lock) {
            while (!stopRequested && !restartRequested) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return false;
                }
                try {
                    lock.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return true;
                }
            }
            return true;
        }
    }

    private boolean isStopRequested() {
        synchronized (lock) {
            return stopRequested;
        }
    }

    private boolean isRestartRequested() {
        synchronized (lock) {
            return restartRequested;
        }
    }

    private ProcessState currentState() {
        synchronized (lock) {
            return state;
        }
    }

    private String currentError() {
        synchronized (lock) {
            return lastError;
        }
    }

    private void change(ProcessState next, Long nextPid, String error) {
        ProcessStatus status;
        synchronized (lock) {
            boolean same = state == next && java.util.Objects.equals(pid, nextPid)
                    && java.util.Objects.equals(lastError, error);
            if (same) {
                return;
            }
            if (state != next) {
                since = System.currentTimeMillis();
            }
            state = next;
            pid = nextPid;
            lastError = error;
            status = new ProcessStatus(spec.name(), state, pid, since, restarts, lastError);
        }
        LOG.log(next == ProcessState.CRASHED || next == ProcessState.UNHEALTHY ? Level.WARNING : Level.INFO,
                spec.name() + ": " + next.wireName() + (nextPid == null ? "" : " (pid " + nextPid + ")")
                        + (error == null ? "" : ": " + error));
        try {
            listener.accept(status);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "a state listener of " + spec.name() + " failed", e);
        }
    }
}
