package dev.sandboxagent.server.warm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Keeps warm processes alive (docs/architecture.md "Agents and warm processes"): each runs on a thread of its own
 * that starts it, probes it, restarts it with backoff and stops it; output goes to rotated files under the log
 * directory. Listeners hear every state change, in order per process.
 */
public final class Supervisor implements AutoCloseable {
    static final long LOG_BYTES = 5L * 1024 * 1024;
    static final int LOG_FILES_KEPT = 3;

    private final Path logDir;
    private final Map<String, WarmProcess> processes = new ConcurrentHashMap<>();
    private final List<Consumer<ProcessStatus>> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    public Supervisor(Path logDir) {
        this.logDir = logDir;
    }

    /** Hears every state change of every process, on that process's thread; must not block. */
    public void onChange(Consumer<ProcessStatus> listener) {
        listeners.add(listener);
    }

    /** Starts supervising; the process starts at once, in the background. */
    public void start(WarmProcessSpec spec) {
        if (closed) {
            throw new IllegalStateException("the supervisor is stopped");
        }
        RotatingLog log = new RotatingLog(logDir.resolve(spec.name() + ".log"), LOG_BYTES, LOG_FILES_KEPT);
        WarmProcess process = new WarmProcess(spec, log, status -> listeners.forEach(l -> l.accept(status)));
        if (processes.putIfAbsent(spec.name(), process) != null) {
            throw new IllegalArgumentException("a warm process named '" + spec.name() + "' exists already");
        }
        process.start();
    }

    public List<ProcessStatus> statuses() {
        return processes.values().stream()
                .map(WarmProcess::status)
                .sorted(java.util.Comparator.comparing(ProcessStatus::name))
                .toList();
    }

    public Optional<ProcessStatus> status(String name) {
        return Optional.ofNullable(processes.get(name)).map(WarmProcess::status);
    }

    public void restart(String name) {
        find(name).restart();
    }

    public RotatingLog log(String name) {
        return find(name).log();
    }

    /** Waits until the process's state matches; returns the last status seen (matching or not). */
    public ProcessStatus await(String name, Predicate<ProcessStatus> condition, Duration timeout) {
        WarmProcess process = find(name);
        long deadline = System.nanoTime() + timeout.toNanos();
        ProcessStatus status = process.status();
        while (!condition.test(status) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            status = process.status();
        }
        return status;
    }

    /** Stops one process and forgets it. */
    public void stop(String name) {
        WarmProcess process = processes.get(name);
        if (process != null) {
            process.stop();
            process.log().close();
            processes.remove(name);
        }
    }

    /** Stops every process, in parallel (each may use its whole grace period), and waits for them. */
    @Override
    public void close() {
        closed = true;
        List<Thread> stoppers = new ArrayList<>();
        for (String name : List.copyOf(processes.keySet())) {
            Thread t = new Thread(() -> stop(name), "stop-warm-" + name);
            t.start();
            stoppers.add(t);
        }
        for (Thread t : stoppers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private WarmProcess find(String name) {
        WarmProcess process = processes.get(name);
        if (process == null) {
            throw new NoSuchElementException("no warm process '" + name + "'");
        }
        return process;
    }
}
