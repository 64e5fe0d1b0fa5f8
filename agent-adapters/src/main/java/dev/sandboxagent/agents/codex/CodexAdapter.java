package dev.sandboxagent.agents.codex;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sandboxagent.agents.AgentContext;
import dev.sandboxagent.agents.AgentDescriptor.AgentMode;
import dev.sandboxagent.agents.CliAgentAdapter;
import dev.sandboxagent.agents.CliLaunchSpec;
import dev.sandboxagent.agents.CliLaunchSpec.PermissionMode;
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
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * OpenAI's Codex CLI as {@code codex app-server}: JSON-RPC over the PTY ({@link CodexProtocol}; the PTY is in raw
 * mode, so our lines reach it intact, and app-server reads a tty like a pipe), one thread per session
 * ({@code thread/start}, or {@code thread/resume} after a restart), one {@code turn/start} per message. Each
 * session gets its own CODEX_HOME in its state directory, with a config.toml we write: no update check, no
 * analytics, no background daemon, and an explicit model provider whose key comes from the environment only.
 */
public final class CodexAdapter extends CliAgentAdapter {
    public static final String ID = "codex";
    public static final NpmPackage PACKAGE = new NpmPackage("@openai/codex", "codex", "0.169.0");
    /** Overrides which executable runs (tests wrap the real CLI; templates may ship their own). */
    public static final String EXECUTABLE_VARIABLE = "SANDBOX_AGENT_CODEX_PATH";
    public static final String DEFAULT_MODEL = "gpt-5.5";
    /** Used when the environment names no gateway: the public API, as OpenAI's own SDKs default to. */
    static final String PUBLIC_BASE_URL = "https://api.openai.com/v1";

    /**
     * Our permission modes as Codex's (approval policy, sandbox). "default" uses "untrusted", not "on-request":
     * under on-request with a workspace-write sandbox Codex runs every command that stays inside the workspace
     * without asking (measured with 0.169), so nothing would ever be asked. "acceptEdits" is on-request: edits and
     * commands inside the workspace go through without asking, and only what needs to leave the sandbox is asked
     * for; Codex has no policy that asks for commands but not for edits.
     */
    static final CliLaunchSpec SPEC = new CliLaunchSpec(ID, "Codex", PACKAGE, EXECUTABLE_VARIABLE,
            List.of("OPENAI_API_KEY"),
            List.of("textMessages", "streamingDeltas", "toolCalls", "toolResults", "permissions", "reasoning",
                    "errorEvents", "sessionLifecycle", "itemStarted", "commandExecution", "fileChanges",
                    "planMode", "questions"),
            List.of(new AgentMode("build", "Build", "Works on the task"),
                    new AgentMode("plan", "Plan", "Read-only: looks, does not change files")),
            List.of(PermissionMode.of("default", "untrusted", "workspace-write"),
                    PermissionMode.of("acceptEdits", "on-request", "workspace-write"),
                    PermissionMode.of("plan", "on-request", "read-only"),
                    PermissionMode.of("bypass", "never", "danger-full-access")),
            DEFAULT_MODEL, List.of("gpt-5.5", "gpt-5.6-sol", "gpt-5.6-terra", "gpt-5.6-luna", "gpt-6-sol"),
            Pattern.compile("[0-9A-Za-z][0-9A-Za-z-]{0,127}"), "thread id", "codex-home", false,
            Duration.ofSeconds(60));

    public CodexAdapter(AgentContext context) {
        super(context, SPEC);
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
    protected Path executable(Installation installation, boolean overridden) {
        return overridden ? installation.executable() : nativeBinary(installation.executable());
    }

    @Override
    protected Command command(Prepared p) throws IOException {
        Files.writeString(p.home().resolve("config.toml"),
                CodexConfig.toml(p.modelOr(DEFAULT_MODEL), p.environment().get("OPENAI_BASE_URL")),
                StandardCharsets.UTF_8);
        // JsonNodeFactory.instance here, not in a static field: the catalog is built at every start (no databind then)
        ObjectNode params = JsonNodeFactory.instance.objectNode();
        String method;
        if (p.transcriptFound()) {
            method = "thread/resume";
            params.put("threadId", p.resumeId());
        } else {
            // A new conversation, or one that never got a message (Codex keeps nothing of those): a new thread.
            method = "thread/start";
        }
        params.put("cwd", p.directory().toString()).put("approvalPolicy", p.nativePermissionMode().get(0))
                .put("sandbox", p.nativePermissionMode().get(1));
        Map<String, String> env = new LinkedHashMap<>(p.environment());
        env.put("CODEX_HOME", p.home().toString());
        return new Command(List.of(p.executable().toString(), "app-server"), env,
                new CodexProtocol(new CodexProtocol.ThreadRequest(method, params)));
    }

    /** Codex keeps a thread as {@code sessions/YYYY/MM/DD/rollout-<timestamp>-<thread id>.jsonl}. */
    @Override
    protected boolean hasTranscript(Path codexHome, String threadId) throws IOException {
        Path sessions = codexHome.resolve("sessions");
        if (!Files.isDirectory(sessions)) {
            return false;
        }
        try (Stream<Path> files = Files.walk(sessions, 4)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith("-" + threadId + ".jsonl"));
        }
    }
}
