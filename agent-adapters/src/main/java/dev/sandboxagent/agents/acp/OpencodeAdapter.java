package dev.sandboxagent.agents.acp;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * OpenCode as {@code opencode acp}: the Agent Client Protocol over the PTY ({@link AcpAgentProtocol}; stdin on the
 * terminal works, measured). Each session gets its own HOME and XDG directories in its state directory, with an
 * {@code opencode.json} we write: the Anthropic provider (and the OpenAI one) pointed at the base URL of the
 * environment, its key as {@code {env:ANTHROPIC_API_KEY}} (opencode substitutes it when it reads the file, so no key
 * reaches disk), and the permission mode as opencode's {@code permission} rules: ACP has no permission mode, and
 * opencode runs every tool without asking unless its config says "ask".
 */
public final class OpencodeAdapter extends CliAgentAdapter {
    public static final String ID = "opencode";
    public static final NpmPackage PACKAGE = new NpmPackage("opencode-ai", "opencode", "1.18.33");
    /** Overrides which executable runs (tests wrap the real CLI; templates may ship their own). */
    public static final String EXECUTABLE_VARIABLE = "SANDBOX_AGENT_OPENCODE_PATH";
    public static final String DEFAULT_MODEL = "anthropic/claude-sonnet-4-5";

    /** Our permission modes as opencode's rule for bash and edits ("ask" or "allow"). */
    static final CliLaunchSpec SPEC = new CliLaunchSpec(ID, "OpenCode", PACKAGE, EXECUTABLE_VARIABLE,
            List.of("ANTHROPIC_API_KEY", "OPENAI_API_KEY"),
            List.of("textMessages", "streamingDeltas", "toolCalls", "toolResults", "permissions", "reasoning",
                    "errorEvents", "sessionLifecycle", "itemStarted", "commandExecution"),
            List.of(new AgentMode("build", "Build", "Works on the task")),
            List.of(PermissionMode.of("default", "ask", "ask"), PermissionMode.of("acceptEdits", "ask", "allow"),
                    PermissionMode.of("bypass", "allow", "allow"), PermissionMode.of("plan", "ask", "ask")),
            DEFAULT_MODEL, List.of(DEFAULT_MODEL, "anthropic/claude-sonnet-4-6", "anthropic/claude-opus-4-6",
                    "anthropic/claude-haiku-4-5"),
            Pattern.compile("ses_[0-9A-Za-z]{1,64}"), "session id", "opencode-home", false, Duration.ofSeconds(180));

    public OpencodeAdapter(AgentContext context) {
        super(context, SPEC);
    }

    @Override
    protected Command command(Prepared p) throws IOException {
        Path home = p.home();
        Path config = home.resolve("config");
        Files.createDirectories(config.resolve("opencode"));
        Files.writeString(config.resolve("opencode").resolve("opencode.json"),
                config(p.modelOr(DEFAULT_MODEL), p.nativePermissionMode(), p.environment()), StandardCharsets.UTF_8);
        Map<String, String> env = new LinkedHashMap<>(p.environment());
        env.put("HOME", home.toString());
        env.put("XDG_CONFIG_HOME", config.toString());
        env.put("XDG_DATA_HOME", home.resolve("data").toString());
        env.put("XDG_CACHE_HOME", home.resolve("cache").toString());
        env.put("XDG_STATE_HOME", home.resolve("state").toString());
        env.put("OPENCODE_DISABLE_AUTOUPDATE", "1");
        env.put("OPENCODE_DISABLE_SHARE", "1");
        env.put("OPENCODE_DISABLE_LSP_DOWNLOAD", "1");
        env.put("OPENCODE_DISABLE_DEFAULT_PLUGINS", "1");
        // models.dev is the internet; the bundled catalog knows the models we list
        env.putIfAbsent("OPENCODE_DISABLE_MODELS_FETCH", "1");
        String resume = p.transcriptFound() ? p.resumeId() : null;
        return new Command(List.of(p.executable().toString(), "acp"), env,
                new AcpAgentProtocol(SPEC.displayName(), p.directory().toString(), resume, mode(p),
                        PACKAGE.defaultVersion()));
    }

    /**
     * The opencode mode (its agents, advertised as the {@code mode} config option: build, plan) to set: a mode of
     * its own as asked, {@code plan} for our permission mode {@code plan}, else none (opencode starts in build).
     */
    static String mode(Prepared p) {
        if (!SPEC.agentModeIds().contains(p.agentMode())) {
            return p.agentMode();
        }
        return p.permissionMode().equals("plan") ? "plan" : null;
    }

    @Override
    protected boolean agentNamesItsModes() {
        return true;
    }

    /**
     * The config file: keys only as {@code {env:NAME}} references. A base URL from the environment follows the
     * conventions of the variables' own SDKs: ANTHROPIC_BASE_URL has no {@code /v1} (opencode's baseURL needs it),
     * OPENAI_BASE_URL has it.
     */
    static String config(String model, List<String> permission, Map<String, String> environment) {
        // JsonNodeFactory.instance here, not in a static field: the catalog is built at every start (no databind then)
        ObjectNode root = JsonNodeFactory.instance.objectNode().put("$schema", "https://opencode.ai/config.json")
                .put("model", model)
                .put("autoupdate", false).put("share", "disabled");
        root.putObject("permission").put("bash", permission.get(0)).put("edit", permission.get(1));
        ObjectNode providers = root.putObject("provider");
        ObjectNode anthropic = providers.putObject("anthropic").putObject("options")
                .put("apiKey", "{env:ANTHROPIC_API_KEY}");
        String anthropicBase = environment.get("ANTHROPIC_BASE_URL");
        if (anthropicBase != null && !anthropicBase.isBlank()) {
            anthropic.put("baseURL", stripSlash(anthropicBase) + "/v1");
        }
        if (environment.containsKey("OPENAI_API_KEY") || environment.containsKey("OPENAI_BASE_URL")) {
            ObjectNode openai = providers.putObject("openai").putObject("options")
                    .put("apiKey", "{env:OPENAI_API_KEY}");
            String openaiBase = environment.get("OPENAI_BASE_URL");
            if (openaiBase != null && !openaiBase.isBlank()) {
                openai.put("baseURL", stripSlash(openaiBase));
            }
        }
        return root.toPrettyString();
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /**
     * opencode keeps its sessions in a SQLite database under XDG_DATA_HOME; whether it has this one is its to say,
     * and it does: {@code session/load} of an unknown id is an error answer, and the start fails with it.
     */
    @Override
    protected boolean hasTranscript(Path home, String sessionId) {
        return true;
    }
}
