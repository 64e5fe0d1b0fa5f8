package dev.sandboxagent.agents.codex;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * OpenAI's Codex CLI as {@code codex app-server}: JSON-RPC over the PTY, one thread per session
 * ({@code thread/start}, or {@code thread/resume} after a restart), one {@code turn/start} per message. Each
 * session gets its own CODEX_HOME in its state directory, with a config.toml we write: no update check, no
 * analytics, no background daemon, and an explicit model provider whose key comes from the environment only.
 */
public final class CodexAdapter implements AgentAdapter {
    public static final String ID = "codex";
    public static final NpmPackage PACKAGE = new NpmPackage("@openai/codex", "codex", "0.169.0");
    /** Overrides which executable runs (tests wrap the real CLI; templates may ship their own). */
    public static final String EXECUTABLE_VARIABLE = "SANDBOX_AGENT_CODEX_PATH";
    public static final String DEFAULT_MODEL = "gpt-5.5";
    /** Used when the environment names no gateway: the public API, as OpenAI's own SDKs default to. */
    static final String PUBLIC_BASE_URL = "https://api.openai.com/v1";
    private static final Pattern THREAD_ID = Pattern.compile("[0-9A-Za-z][0-9A-Za-z-]{0,127}");
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /**
     * Our permission modes as Codex's (approval policy, sandbox). "default" uses "untrusted", not "on-request":
     * under on-request with a workspace-write sandbox Codex runs every command that stays inside the workspace
     * without asking (measured with 0.169), so nothing would ever be asked. "acceptEdits" is on-request: edits and
     * commands inside the workspace go through without asking, and only what needs to leave the sandbox is asked
     * for; Codex has no policy that asks for commands but not for edits.
     */
    private static final Map<String, List<String>> PERMISSION_MODES = Map.of(
            "default", List.of("untrusted", "workspace-write"),
            "acceptEdits", List.of("on-request", "workspace-write"),
            "plan", List.of("on-request", "read-only"),
            "bypass", List.of("never", "danger-full-access"));

    private final AgentContext context;

    public CodexAdapter(AgentContext context) {
        this.context = Objects.requireNonNull(context, "context");
    }

    @Override
    public Optional<NpmPackage> npmPackage() {
        return Optional.of(PACKAGE);
    }

    @Override
    public AgentDescriptor descriptor() {
        Optional<Installation> installed = installation();
        boolean credentials = !context.environment().getOrDefault("OPENAI_API_KEY", "").isBlank();
        return new AgentDescriptor(ID, "Codex", installed.isPresent(),
                installed.map(Installation::version).orElse(null),
                installed.map(i -> i.executable().toString()).orElse(null), credentials,
                List.of("textMessages", "streamingDeltas", "toolCalls", "toolResults", "permissions", "reasoning",
                        "errorEvents", "sessionLifecycle", "itemStarted", "commandExecution", "fileChanges",
                        "planMode", "questions"),
                List.of(new AgentDescriptor.AgentMode("build", "Build", "Works on the task"),
                        new AgentDescriptor.AgentMode("plan", "Plan", "Read-only: looks, does not change files")),
                List.of("default", "acceptEdits", "plan", "bypass"), DEFAULT_MODEL,
                List.of("gpt-5.5", "gpt-5.6-sol", "gpt-5.6-terra", "gpt-5.6-luna", "gpt-6-sol"));
    }

    private Optional<Installation> installation() {
        return context.find(ID, PACKAGE, EXECUTABLE_VARIABLE);
    }

    /**
     * The npm package's {@code .bin/codex} is a node script that only spawns the native binary of the platform
     * package next to it; running that binary directly saves node's start-up and about 45 MiB per session.
     */
    static Path nativeBinary(Path wrapper) {
        String arch = System.getProperty("os.arch", "");
        String pkg = arch.equals("aarch64") || arch.equals("arm64") ? "codex-linux-arm64" : "codex-linux-x64";
        String triple = pkg.endsWith("arm64") ? "aarch64-unknown-linux-musl" : "x86_64-unknown-linux-musl";
        try {
            Path script = wrapper.toRealPath(); // node_modules/@openai/codex/bin/codex.js
            Path codexPackage = script.getParent().getParent();
            Path nodeModules = codexPackage.getParent().getParent();
            for (Path platform : List.of(nodeModules.resolve("@openai").resolve(pkg),
                    codexPackage.resolve("node_modules").resolve("@openai").resolve(pkg))) {
                Path binary = platform.resolve("vendor").resolve(triple).resolve("bin").resolve("codex");
                if (Files.isRegularFile(binary) && Files.isExecutable(binary)) {
                    return binary;
                }
            }
        } catch (IOException | NullPointerException e) {
            // not laid out like the npm package: run what we were given
        }
        return wrapper;
    }

    @Override
    public AgentProcess start(AgentLaunch launch, AgentListener listener) throws AgentStartException {
        String agentMode = Objects.requireNonNullElse(launch.agentMode(), "build");
        if (!agentMode.equals("build") && !agentMode.equals("plan")) {
            throw new AgentStartException("Codex has no agent mode '" + agentMode + "'; it has build, plan");
        }
        String permissionMode = agentMode.equals("plan") ? "plan"
                : Objects.requireNonNullElse(launch.permissionMode(), "default");
        List<String> policy = PERMISSION_MODES.get(permissionMode);
        if (policy == null) {
            throw new AgentStartException("Codex has no permission mode '" + permissionMode
                    + "'; it has default, acceptEdits, plan, bypass");
        }
        String resume = launch.resumeNativeSessionId();
        if (resume != null && !THREAD_ID.matcher(resume).matches()) {
            throw new AgentStartException("'" + resume + "' is not a Codex thread id to resume");
        }
        Installation installation = installation().orElseThrow(() -> new AgentStartException(
                "Codex is not installed: run `sandbox-agent install-agent codex` (or POST "
                        + "/v1/agents/codex/install)"));
        boolean overridden = !context.environment().getOrDefault(EXECUTABLE_VARIABLE, "").isBlank();
        Path executable = overridden ? installation.executable() : nativeBinary(installation.executable());
        Path codexHome;
        try {
            Path stateDir = launch.stateDir() != null ? launch.stateDir()
                    : Files.createTempDirectory("sandbox-agent-codex-");
            codexHome = stateDir.resolve("codex-home");
            Files.createDirectories(codexHome);
            String model = launch.model() == null || launch.model().isBlank() || launch.model().equals("default")
                    ? DEFAULT_MODEL : launch.model();
            Files.writeString(codexHome.resolve("config.toml"),
                    CodexConfig.toml(model, launch.environment().get("OPENAI_BASE_URL")), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AgentStartException("cannot prepare Codex's home in " + launch.stateDir() + ": "
                    + e.getMessage(), e);
        }
        Path directory = launch.workingDirectory() != null ? launch.workingDirectory() : codexHome;

        ObjectNode params = JSON.objectNode();
        String method;
        if (resume != null && hasRollout(codexHome, resume)) {
            method = "thread/resume";
            params.put("threadId", resume);
        } else {
            // A new conversation, or one that never got a message (Codex keeps nothing of those): a new thread.
            method = "thread/start";
        }
        params.put("cwd", directory.toString()).put("approvalPolicy", policy.get(0)).put("sandbox", policy.get(1));
        return CodexProcess.start(List.of(executable.toString(), "app-server"), environment(launch, codexHome),
                directory, new CodexProcess.ThreadRequest(method, params), READY_TIMEOUT, listener);
    }

    private static Map<String, String> environment(AgentLaunch launch, Path codexHome) {
        Map<String, String> env = new LinkedHashMap<>(launch.environment());
        env.remove(EXECUTABLE_VARIABLE);
        env.put("CODEX_HOME", codexHome.toString());
        return env;
    }

    /** Codex keeps a thread as {@code sessions/YYYY/MM/DD/rollout-<timestamp>-<thread id>.jsonl}. */
    private static boolean hasRollout(Path codexHome, String threadId) {
        Path sessions = codexHome.resolve("sessions");
        if (!Files.isDirectory(sessions)) {
            return false;
        }
        try (Stream<Path> files = Files.walk(sessions, 4)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith("-" + threadId + ".jsonl"));
        } catch (IOException e) {
            return false;
        }
    }
}
