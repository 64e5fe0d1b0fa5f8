package dev.sandboxagent.agents.mock;

import dev.sandboxagent.agents.AgentAdapter;
import dev.sandboxagent.agents.AgentDescriptor;
import dev.sandboxagent.agents.AgentLaunch;
import dev.sandboxagent.agents.AgentListener;
import dev.sandboxagent.agents.AgentProcess;
import dev.sandboxagent.agents.AgentStartException;
import dev.sandboxagent.agents.TerminalAgentProcess;
import dev.sandboxagent.agents.TerminalLaunch;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The built-in mock agent: a bash script (mock-agent.sh) under a real PTY that turns each line of a message into
 * scripted agent behaviour, so every event type can be produced on demand, deterministically, without credentials.
 * Its commands are listed in docs/agents.md; its protocol with this adapter is in the script's header.
 */
public final class MockAdapter implements AgentAdapter {
    static final String SCRIPT_RESOURCE = "/dev/sandboxagent/agents/mock/mock-agent.sh";
    static final String SCRIPT_NAME = "mock-agent.sh";
    /** Counts the starts of one session's agent; its value prefixes every id the mock makes. */
    static final String GENERATION_FILE = "mock-agent.generation";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);

    private static final byte[] SCRIPT = loadScript();
    private static final AgentDescriptor DESCRIPTOR = new AgentDescriptor("mock", "Mock agent", true, "1", null,
            true,
            List.of("textMessages", "streamingDeltas", "toolCalls", "toolResults", "permissions", "questions",
                    "errorEvents", "sessionLifecycle", "itemStarted"),
            List.of(new AgentDescriptor.AgentMode("build", "Build", "Runs the scripted commands of each message")),
            List.of("default", "bypass"), "mock", List.of("mock"));

    @Override
    public AgentDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public AgentProcess start(AgentLaunch launch, AgentListener listener) throws AgentStartException {
        requireSupported("agent mode", launch.agentMode(), List.of("build"));
        requireSupported("permission mode", launch.permissionMode(), DESCRIPTOR.permissionModes());
        requireSupported("model", launch.model(), DESCRIPTOR.models());
        String resume = launch.resumeNativeSessionId();
        if (resume != null && !resume.matches("[A-Za-z0-9][A-Za-z0-9_.:-]*")) {
            throw new AgentStartException("'" + resume + "' is not a mock agent session id to resume");
        }
        Path stateDir;
        Path script;
        long generation;
        try {
            stateDir = launch.stateDir() != null ? launch.stateDir()
                    : Files.createTempDirectory("sandbox-agent-mock-");
            Files.createDirectories(stateDir);
            script = installScript(stateDir);
            generation = nextGeneration(stateDir);
        } catch (IOException | UncheckedIOException e) {
            throw new AgentStartException("cannot prepare the mock agent in " + launch.stateDir() + ": "
                    + e.getMessage(), e);
        }
        List<String> command = new ArrayList<>(List.of(bash(), script.toString(), Long.toString(generation),
                Objects.requireNonNullElse(launch.permissionMode(), "default")));
        if (resume != null) {
            command.add(resume);
        }
        Path directory = launch.workingDirectory() != null ? launch.workingDirectory() : stateDir;
        return TerminalAgentProcess.start(new TerminalLaunch("mock", "the mock agent", command, launch.environment(),
                directory, false, READY_TIMEOUT), new MockProtocol(), listener);
    }

    private static void requireSupported(String what, String value, List<String> supported)
            throws AgentStartException {
        if (value != null && !supported.contains(value)) {
            throw new AgentStartException("the mock agent has no " + what + " '" + value + "'; it has "
                    + String.join(", ", supported));
        }
    }

    /**
     * Writes the script into the state directory, mode 0700, unless the same bytes are there already. A new file
     * replaces the old one atomically: bash reads a script as it runs, so a file is never changed in place.
     */
    private static Path installScript(Path stateDir) throws IOException {
        Path target = stateDir.resolve(SCRIPT_NAME);
        if (Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), SCRIPT)
                && Files.isExecutable(target)) {
            return target;
        }
        Path tmp = Files.createTempFile(stateDir, SCRIPT_NAME, ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try {
            Files.write(tmp, SCRIPT);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return target;
    }

    /** 1 for a session's first process, then 2, 3, ...: keeps item ids unique across restarts, yet deterministic. */
    private static long nextGeneration(Path stateDir) throws IOException {
        Path file = stateDir.resolve(GENERATION_FILE);
        long previous = 0;
        if (Files.exists(file)) {
            try {
                previous = Long.parseLong(Files.readString(file, StandardCharsets.UTF_8).strip());
            } catch (NumberFormatException e) {
                previous = System.currentTimeMillis(); // damaged: any fresh value keeps ids unique
            }
        }
        long next = previous + 1;
        Path tmp = Files.createTempFile(stateDir, GENERATION_FILE, ".tmp");
        try {
            Files.writeString(tmp, next + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            // On a full disk the file is created (an inode) but its bytes find no room: leave nothing behind.
            Files.deleteIfExists(tmp);
        }
        return next;
    }

    private static String bash() {
        return Files.isExecutable(Path.of("/bin/bash")) ? "/bin/bash" : "bash";
    }

    private static byte[] loadScript() {
        try (InputStream in = MockAdapter.class.getResourceAsStream(SCRIPT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + SCRIPT_RESOURCE);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
