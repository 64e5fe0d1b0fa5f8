package dev.sandboxagent.agents.claude;

import dev.sandboxagent.agents.AgentAdapter;
import dev.sandboxagent.agents.AgentContext;
import dev.sandboxagent.agents.AgentDescriptor;
import dev.sandboxagent.agents.AgentLaunch;
import dev.sandboxagent.agents.AgentListener;
import dev.sandboxagent.agents.AgentProcess;
import dev.sandboxagent.agents.AgentStartException;
import dev.sandboxagent.agents.install.Installation;
import dev.sandboxagent.agents.install.NpmPackage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Claude Code, headless, in its stream-json protocol both ways:
 * {@code claude -p --input-format stream-json --output-format stream-json --verbose --include-partial-messages
 * --permission-prompt-tool stdio --permission-mode M (--session-id U | --resume U)}. One session is one
 * conversation, continued after a restart with {@code --resume}. Each session gets its own HOME in its state
 * directory (Claude Code keeps settings and transcripts there, so the host's ~/.claude never leaks in) and the
 * settings a sandbox needs: no auto-update, telemetry, error reporting or other non-essential traffic, bounded
 * retries, and IS_SANDBOX=1 so bypass mode works as root.
 */
public final class ClaudeAdapter implements AgentAdapter {
    public static final String ID = "claude";
    public static final NpmPackage PACKAGE = new NpmPackage("@anthropic-ai/claude-code", "claude", "2.1.197");
    /** Overrides which executable runs (tests wrap the real CLI; templates may ship their own). */
    public static final String EXECUTABLE_VARIABLE = "SANDBOX_AGENT_CLAUDE_PATH";
    private static final Pattern UUID_PATTERN = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Map<String, String> PERMISSION_MODES = Map.of(
            "default", "default", "acceptEdits", "acceptEdits", "plan", "plan", "bypass", "bypassPermissions");
    private static final List<String> CREDENTIAL_VARIABLES = List.of("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN",
            "CLAUDE_CODE_OAUTH_TOKEN");
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final AgentContext context;

    public ClaudeAdapter(AgentContext context) {
        this.context = Objects.requireNonNull(context, "context");
    }

    @Override
    public Optional<NpmPackage> npmPackage() {
        return Optional.of(PACKAGE);
    }

    @Override
    public AgentDescriptor descriptor() {
        Optional<Installation> installed = installation();
        boolean credentials = CREDENTIAL_VARIABLES.stream().anyMatch(v -> !context.environment()
                .getOrDefault(v, "").isBlank());
        return new AgentDescriptor(ID, "Claude Code", installed.isPresent(),
                installed.map(Installation::version).orElse(null),
                installed.map(i -> i.executable().toString()).orElse(null), credentials,
                List.of("textMessages", "streamingDeltas", "toolCalls", "toolResults", "permissions", "reasoning",
                        "errorEvents", "sessionLifecycle", "itemStarted"),
                List.of(new AgentDescriptor.AgentMode("build", "Build", "Works on the task"),
                        new AgentDescriptor.AgentMode("plan", "Plan", "Plans without changing files")),
                List.of("default", "acceptEdits", "plan", "bypass"), "default",
                List.of("default", "sonnet", "opus", "haiku"));
    }

    private Optional<Installation> installation() {
        return context.find(ID, PACKAGE, EXECUTABLE_VARIABLE);
    }

    @Override
    public AgentProcess start(AgentLaunch launch, AgentListener listener) throws AgentStartException {
        String agentMode = Objects.requireNonNullElse(launch.agentMode(), "build");
        if (!agentMode.equals("build") && !agentMode.equals("plan")) {
            throw new AgentStartException("Claude Code has no agent mode '" + agentMode + "'; it has build, plan");
        }
        String permissionMode = agentMode.equals("plan") ? "plan"
                : Objects.requireNonNullElse(launch.permissionMode(), "default");
        String nativeMode = PERMISSION_MODES.get(permissionMode);
        if (nativeMode == null) {
            throw new AgentStartException("Claude Code has no permission mode '" + permissionMode
                    + "'; it has default, acceptEdits, plan, bypass");
        }
        String resume = launch.resumeNativeSessionId();
        if (resume != null && !UUID_PATTERN.matcher(resume).matches()) {
            throw new AgentStartException("'" + resume + "' is not a Claude Code session id to resume");
        }
        Path executable = installation().map(Installation::executable).orElseThrow(() -> new AgentStartException(
                "Claude Code is not installed: run `sandbox-agent install-agent claude` (or POST "
                        + "/v1/agents/claude/install)"));
        Path home;
        try {
            Path stateDir = launch.stateDir() != null ? launch.stateDir()
                    : Files.createTempDirectory("sandbox-agent-claude-");
            home = stateDir.resolve("home");
            Files.createDirectories(home);
        } catch (IOException e) {
            throw new AgentStartException("cannot prepare Claude Code's home in " + launch.stateDir() + ": "
                    + e.getMessage(), e);
        }
        Path directory = launch.workingDirectory() != null ? launch.workingDirectory() : home;

        List<String> command = new ArrayList<>(List.of(executable.toString(), "-p",
                "--input-format", "stream-json", "--output-format", "stream-json", "--verbose",
                "--include-partial-messages", "--permission-mode", nativeMode));
        if (!nativeMode.equals("bypassPermissions")) {
            command.addAll(List.of("--permission-prompt-tool", "stdio"));
        }
        if (launch.model() != null && !launch.model().equals("default")) {
            command.addAll(List.of("--model", launch.model()));
        }
        String sessionId;
        if (resume != null && hasTranscript(home, resume)) {
            sessionId = resume;
            command.addAll(List.of("--resume", resume));
        } else {
            // A new conversation (or one that never got a message, so Claude Code kept nothing to resume): pin
            // its id, so it is known before the first output line.
            sessionId = resume != null ? resume : UUID.randomUUID().toString();
            command.addAll(List.of("--session-id", sessionId));
        }
        return ClaudeProcess.start(command, environment(launch, home), directory, sessionId, READY_TIMEOUT,
                listener);
    }

    private static Map<String, String> environment(AgentLaunch launch, Path home) {
        Map<String, String> env = new LinkedHashMap<>(launch.environment());
        env.remove(EXECUTABLE_VARIABLE);
        env.put("HOME", home.toString());
        env.put("IS_SANDBOX", "1"); // we are the sandbox; without it bypass mode refuses to run as root
        env.put("DISABLE_AUTOUPDATER", "1");
        env.put("DISABLE_TELEMETRY", "1");
        env.put("DISABLE_ERROR_REPORTING", "1");
        env.put("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
        env.putIfAbsent("CLAUDE_CODE_MAX_RETRIES", "2");
        return env;
    }

    /** Claude Code keeps a conversation as {@code ~/.claude/projects/<dir>/<id>.jsonl}. */
    private static boolean hasTranscript(Path home, String sessionId) {
        Path projects = home.resolve(".claude").resolve("projects");
        if (!Files.isDirectory(projects)) {
            return false;
        }
        try (Stream<Path> dirs = Files.list(projects)) {
            return dirs.anyMatch(dir -> Files.isRegularFile(dir.resolve(sessionId + ".jsonl")));
        } catch (IOException e) {
            return false;
        }
    }
}
