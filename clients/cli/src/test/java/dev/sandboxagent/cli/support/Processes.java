package dev.sandboxagent.cli.support;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Finding and stopping server processes by what they are, for tests that start servers in the background. */
public final class Processes {
    private Processes() {
    }

    /** Live {@code sandbox-agent server} processes using this data directory (read from /proc command lines). */
    public static List<ProcessHandle> serversFor(Path dataDir) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine()
                        .map(c -> c.contains(" server ") && c.contains(dataDir.toString()))
                        .orElse(false))
                .toList();
    }

    /** SIGTERM, then waits for the exit; SIGKILL and fail if it does not come. */
    public static void terminate(ProcessHandle process, Duration timeout) {
        process.destroy();
        try {
            process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new AssertionError("process " + process.pid() + " did not stop on SIGTERM within " + timeout, e);
        }
    }

    /** Last-resort cleanup so a failed test leaves no server behind. */
    public static void killAll(List<ProcessHandle> processes) {
        processes.forEach(ProcessHandle::destroyForcibly);
    }
}
