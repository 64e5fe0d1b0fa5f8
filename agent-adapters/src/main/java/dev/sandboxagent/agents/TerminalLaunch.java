package dev.sandboxagent.agents;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How {@link TerminalAgentProcess} runs one agent process.
 *
 * @param name         a short name for threads and logs ("claude")
 * @param displayName  the agent's name in messages ("Claude Code")
 * @param command      the program and its arguments
 * @param environment  the whole environment of the process (credentials included: memory only)
 * @param directory    the working directory
 * @param stdinPipe    true for an agent that refuses a terminal on stdin (its input then goes through a pipe)
 * @param readyTimeout how long the start waits for the protocol's {@link ProtocolOutput.Ready}
 */
public record TerminalLaunch(String name, String displayName, List<String> command, Map<String, String> environment,
                             Path directory, boolean stdinPipe, Duration readyTimeout) {
    public TerminalLaunch {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(displayName, "displayName");
        command = List.copyOf(command);
        environment = Map.copyOf(environment);
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(readyTimeout, "readyTimeout");
    }

    /** Never prints the environment: it carries credentials. */
    @Override
    public String toString() {
        return "TerminalLaunch[" + displayName + ", command=" + command + ", directory=" + directory
                + ", environment=" + environment.keySet() + "]";
    }
}
