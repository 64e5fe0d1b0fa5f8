package dev.sandboxagent.agents.acp;

import dev.sandboxagent.agents.AgentContext;
import dev.sandboxagent.agents.AgentDescriptor.AgentMode;
import dev.sandboxagent.agents.CliAgentAdapter;
import dev.sandboxagent.agents.CliLaunchSpec;
import dev.sandboxagent.agents.CliLaunchSpec.PermissionMode;
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

/**
 * Gemini CLI as {@code gemini --acp -m MODEL}: the Agent Client Protocol ({@link AcpAgentProtocol}) with stdin on
 * a pipe (on a terminal it writes terminal queries and never answers {@code initialize}, measured). Each session
 * gets its own HOME in its state directory with a {@code .gemini/settings.json} that picks the API-key auth type
 * (GEMINI_API_KEY and GOOGLE_GEMINI_BASE_URL pass through from the environment) and turns off usage statistics
 * and update checks. The permission mode is the ACP session mode, set with {@code session/set_mode} before the
 * first prompt.
 */
public final class GeminiAdapter extends CliAgentAdapter {
    public static final String ID = "gemini";
    public static final NpmPackage PACKAGE = new NpmPackage("@google/gemini-cli", "gemini", "0.61.0");
    /** Overrides which executable runs (tests wrap the real CLI; templates may ship their own). */
    public static final String EXECUTABLE_VARIABLE = "SANDBOX_AGENT_GEMINI_PATH";
    /** A model the CLI knows: naming one skips the routing call its default "auto" makes first. */
    public static final String DEFAULT_MODEL = "gemini-2.5-flash";
    static final String SETTINGS = """
            {"security":{"auth":{"selectedType":"gemini-api-key"}},"privacy":{"usageStatisticsEnabled":false},\
            "general":{"disableAutoUpdate":true,"disableUpdateNag":true}}
            """;

    /** Our permission modes as gemini's ACP session modes (advertised in its session/new answer). */
    static final CliLaunchSpec SPEC = new CliLaunchSpec(ID, "Gemini CLI", PACKAGE, EXECUTABLE_VARIABLE,
            List.of("GEMINI_API_KEY", "GOOGLE_API_KEY"),
            List.of("textMessages", "streamingDeltas", "toolCalls", "toolResults", "permissions", "reasoning",
                    "errorEvents", "sessionLifecycle", "itemStarted", "commandExecution", "planMode"),
            List.of(new AgentMode("build", "Build", "Works on the task"),
                    new AgentMode("plan", "Plan", "Read-only mode")),
            List.of(PermissionMode.of("default", "default"), PermissionMode.of("acceptEdits", "autoEdit"),
                    PermissionMode.of("plan", "plan"), PermissionMode.of("bypass", "yolo")),
            DEFAULT_MODEL, List.of(DEFAULT_MODEL, "gemini-2.5-pro", "gemini-3-flash-preview"),
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
            "session id", "gemini-home", true, Duration.ofSeconds(120));

    public GeminiAdapter(AgentContext context) {
        super(context, SPEC);
    }

    @Override
    protected Command command(Prepared p) throws IOException {
        Path settings = p.home().resolve(".gemini").resolve("settings.json");
        Files.createDirectories(settings.getParent());
        Files.writeString(settings, SETTINGS, StandardCharsets.UTF_8);
        Map<String, String> env = new LinkedHashMap<>(p.environment());
        env.put("HOME", p.home().toString());
        env.put("GEMINI_CLI_TRUST_WORKSPACE", "true"); // the session's directory is the one it is meant to work in
        String mode = p.nativePermissionMode().get(0);
        String resume = p.transcriptFound() ? p.resumeId() : null;
        return new Command(List.of(p.executable().toString(), "--acp", "-m", p.modelOr(DEFAULT_MODEL)), env,
                new AcpAgentProtocol(SPEC.displayName(), p.directory().toString(), resume,
                        mode.equals("default") ? null : mode, PACKAGE.defaultVersion()));
    }

    /**
     * gemini keeps its chats under {@code ~/.gemini/tmp/<project>/chats}; whether it has this one is its to say:
     * {@code session/load} of an unknown id is an error answer, and the start fails with it.
     */
    @Override
    protected boolean hasTranscript(Path home, String sessionId) {
        return true;
    }
}
