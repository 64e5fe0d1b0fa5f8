package dev.sandboxagent.server.warm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A process the server keeps alive.
 *
 * @param env added to the server's own environment (which the process inherits)
 * @param workingDir null for the server's working directory
 * @param startTimeout how long the probe may take to pass after a start before the process counts as failed
 * @param probeInterval how often the probe runs, while starting and while ready
 * @param stopGrace how long a TERM may take before KILL
 * @param beforeStart runs before every start (e.g. clearing a crashed run's leftovers); may throw to fail it
 */
public record WarmProcessSpec(String name, List<String> command, Map<String, String> env, Path workingDir,
                              ReadinessProbe probe, RestartPolicy restart, Duration startTimeout,
                              Duration probeInterval, Duration stopGrace, Runnable beforeStart) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    public WarmProcessSpec {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a warm process name is 1 to 64 letters, digits, '.', '_' or '-', got '"
                    + name + "'");
        }
        command = List.copyOf(command);
        if (command.isEmpty()) {
            throw new IllegalArgumentException("warm process '" + name + "' has an empty command");
        }
        env = Map.copyOf(env);
        Objects.requireNonNull(probe, "probe");
        Objects.requireNonNull(restart, "restart");
        beforeStart = beforeStart == null ? () -> { } : beforeStart;
        if (startTimeout.isNegative() || startTimeout.isZero() || probeInterval.isNegative() || probeInterval.isZero()
                || stopGrace.isNegative()) {
            throw new IllegalArgumentException("warm process '" + name + "': timeouts must be positive");
        }
    }

    /** Defaults: always restart, 60 s to become ready, probe every 500 ms, 10 s to stop. */
    public static WarmProcessSpec of(String name, List<String> command, ReadinessProbe probe) {
        return new WarmProcessSpec(name, command, Map.of(), null, probe, RestartPolicy.always(),
                Duration.ofSeconds(60), Duration.ofMillis(500), Duration.ofSeconds(10), null);
    }

    public WarmProcessSpec withRestart(RestartPolicy policy) {
        return new WarmProcessSpec(name, command, env, workingDir, probe, policy, startTimeout, probeInterval,
                stopGrace, beforeStart);
    }

    public WarmProcessSpec withTimeouts(Duration start, Duration interval, Duration grace) {
        return new WarmProcessSpec(name, command, env, workingDir, probe, restart, start, interval, grace,
                beforeStart);
    }

    public WarmProcessSpec withEnv(Map<String, String> more, Path directory) {
        return new WarmProcessSpec(name, command, more, directory, probe, restart, startTimeout, probeInterval,
                stopGrace, beforeStart);
    }

    public WarmProcessSpec withBeforeStart(Runnable hook) {
        return new WarmProcessSpec(name, command, env, workingDir, probe, restart, startTimeout, probeInterval,
                stopGrace, hook);
    }
}
