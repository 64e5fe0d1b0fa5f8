package dev.sandboxagent.agents.claude;

import dev.sandboxagent.agents.AgentContext;
import dev.sandboxagent.agents.AgentDescriptor.AgentMode;
import dev.sandboxagent.agents.CliAgentAdapter;
import dev.sandboxagent.agents.CliLaunchSpec;
import dev.sandboxagent.agents.CliLaunchSpec.PermissionMode;
import dev.sandboxagent.agents.install.NpmPackage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Claude Code, headless, in its stream-json protocol both ways ({@link ClaudeProtocol}):
 * {@code claude -p --input-format stream-json --output-format stream-json --verbose --include-partial-messages
 * --permission-prompt-tool stdio --permission-mode M (--session-id U | --resume U)}. One session is one
 * conversation, continued after a restart with {@code --resume}. Each session gets its own HOME in its state
 * directory (Claude Code keeps settings and transcripts there, so the host's ~/.claude never leaks in) and the
 * settings a sandbox needs: no auto-update, telemetry, error reporting or other non-essential traffic, bounded
 * retries, and IS_SANDBOX=1 so bypass mode works as root. Its stdin is a pipe: Claude Code refuses stream-json
 * input from a tty.
 */
public final class ClaudeAdapter extends CliAgentAdapter {
    public static final String ID = "claude";
    public static final NpmPackage PACKAGE = new NpmPackage("@anthropic-ai/claude-code", "claude", "2.1.197");
    /** Overrides which executable runs (tests wrap the real CLI; templates may ship their own). */
    public static final String EXECUTABLE_VARIABLE = "SANDBOX_AGENT_CLAUDE_PATH";

    static final CliLaunchSpec SPEC = new CliLaunchSpec(ID, "Claude Code", PACKAGE, EXECUTABLE_VARIABLE,
            List.of("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN"),
            List.of("textMessages", "streamingDeltas", "toolCalls", "toolResults", "permissions", "reasoning",
                    "errorEvents", "sessionLifecycle", "itemStarted"),
            List.of(new AgentMode("build", "Build", "Works on the task"),
                    new AgentMode("plan", "Plan", "Plans without changing files")),
            List.of(PermissionMode.of("default", "default"), PermissionMode.of("acceptEdits", "acceptEdits"),
                    PermissionMode.of("plan", "plan"), PermissionMode.of("bypass", "bypassPermissions")),
            "default", List.of("default", "sonnet", "opus", "haiku"),
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
            "session id", "home", true, Duration.ofSeconds(60));

    public ClaudeAdapter(AgentContext context) {
        super(context, SPEC);
    }

    @Override
    protected Command command(Prepared p) {
        String nativeMode = p.nativePermissionMode().get(0);
        List<String> command = new ArrayList<>(List.of(p.executable().toString(), "-p",
                "--input-format", "stream-json", "--output-format", "stream-json", "--verbose",
                "--include-partial-messages", "--permission-mode", nativeMode));
        if (!nativeMode.equals("bypassPermissions")) {
            command.addAll(List.of("--permission-prompt-tool", "stdio"));
        }
        String model = p.launch().model();
        if (model != null && !model.equals("default")) {
            command.addAll(List.of("--model", model));
        }
        String sessionId;
        if (p.transcriptFound()) {
            sessionId = p.resumeId();
            command.addAll(List.of("--resume", sessionId));
        } else {
            // A new conversation (or one that never got a message, so Claude Code kept nothing to resume): pin
            // its id, so it is known before the first output line.
            sessionId = p.resumeId() != null ? p.resumeId() : UUID.randomUUID().toString();
            command.addAll(List.of("--session-id", sessionId));
        }
        Map<String, String> env = new LinkedHashMap<>(p.environment());
        env.put("HOME", p.home().toString());
        env.put("IS_SANDBOX", "1"); // we are the sandbox; without it bypass mode refuses to run as root
        env.put("DISABLE_AUTOUPDATER", "1");
        env.put("DISABLE_TELEMETRY", "1");
        env.put("DISABLE_ERROR_REPORTING", "1");
        env.put("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
        env.putIfAbsent("CLAUDE_CODE_MAX_RETRIES", "2");
        return new Command(command, env, new ClaudeProtocol(sessionId));
    }

    /** Claude Code keeps a conversation as {@code ~/.claude/projects/<dir>/<id>.jsonl}. */
    @Override
    protected boolean hasTranscript(Path home, String sessionId) throws IOException {
        Path projects = home.resolve(".claude").resolve("projects");
        if (!Files.isDirectory(projects)) {
            return false;
        }
        try (Stream<Path> dirs = Files.list(projects)) {
            return dirs.anyMatch(dir -> Files.isRegularFile(dir.resolve(sessionId + ".jsonl")));
        }
    }
}
