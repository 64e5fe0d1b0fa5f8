package dev.sandboxagent.agents.testing;

import dev.sandboxagent.agents.install.NpmPackage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How the two ACP CLIs are launched offline against our fake providers, as measured (docs/agents.md, "ACP"):
 * opencode against {@link FakeAnthropic} through its config file, gemini against {@link FakeGemini} through
 * {@code GOOGLE_GEMINI_BASE_URL} and a settings file. Each gets a private HOME (and XDG dirs) under {@code root},
 * so nothing of this machine's user leaks in and everything the CLI writes can be inspected.
 */
public final class AcpAgents {
    public static final NpmPackage OPENCODE = new NpmPackage("opencode-ai", "opencode", "1.18.33");
    public static final NpmPackage GEMINI = new NpmPackage("@google/gemini-cli", "gemini", "0.61.0");
    /** A model gemini-cli knows: naming one skips its routing call. */
    public static final String GEMINI_MODEL = "gemini-2.5-flash";

    private AcpAgents() {
    }

    /** A launch: the command and its whole environment. */
    public record Launch(List<String> command, Map<String, String> env) {
    }

    /**
     * opencode acp with the fake Anthropic provider; {@code permissionAsk}: bash needs permission (opencode's
     * default is to run tools without asking).
     */
    public static Launch opencode(Path executable, Path root, String anthropicBaseUrl, String apiKey,
                                  boolean permissionAsk) throws IOException {
        Map<String, String> env = base(root);
        env.put("XDG_CONFIG_HOME", root.resolve("config").toString());
        env.put("XDG_DATA_HOME", root.resolve("data").toString());
        env.put("XDG_CACHE_HOME", root.resolve("cache").toString());
        env.put("XDG_STATE_HOME", root.resolve("state").toString());
        env.put("OPENCODE_DISABLE_MODELS_FETCH", "1");
        env.put("OPENCODE_DISABLE_AUTOUPDATE", "1");
        env.put("OPENCODE_DISABLE_SHARE", "1");
        env.put("OPENCODE_DISABLE_LSP_DOWNLOAD", "1");
        env.put("OPENCODE_DISABLE_DEFAULT_PLUGINS", "1");
        env.put("ANTHROPIC_API_KEY", apiKey);
        // The key stays in the environment: {env:...} is substituted by opencode when it reads the file.
        String config = """
                {"$schema":"https://opencode.ai/config.json","model":"anthropic/fake-model","autoupdate":false,\
                "share":"disabled",%s\
                "provider":{"anthropic":{"options":{"baseURL":"%s/v1","apiKey":"{env:ANTHROPIC_API_KEY}"},\
                "models":{"fake-model":{"name":"Fake","tool_call":true,"limit":{"context":200000,"output":8192}}}}}}
                """.formatted(permissionAsk ? "\"permission\":{\"bash\":\"ask\"}," : "", anthropicBaseUrl);
        Path file = root.resolve("config").resolve("opencode").resolve("opencode.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, config);
        return new Launch(List.of(executable.toString(), "acp"), env);
    }

    /** gemini --acp with the fake Gemini API. */
    public static Launch gemini(Path executable, Path root, String geminiBaseUrl, String apiKey, List<String> extra)
            throws IOException {
        Map<String, String> env = base(root);
        env.put("GOOGLE_GEMINI_BASE_URL", geminiBaseUrl);
        env.put("GEMINI_API_KEY", apiKey);
        env.put("GEMINI_CLI_TRUST_WORKSPACE", "true");
        Path settings = root.resolve("home").resolve(".gemini").resolve("settings.json");
        Files.createDirectories(settings.getParent());
        Files.writeString(settings, """
                {"security":{"auth":{"selectedType":"gemini-api-key"}},"privacy":{"usageStatisticsEnabled":false},\
                "general":{"disableAutoUpdate":true,"disableUpdateNag":true}}
                """);
        List<String> command = new java.util.ArrayList<>(List.of(executable.toString(), "--acp", "-m", GEMINI_MODEL));
        command.addAll(extra);
        return new Launch(List.copyOf(command), env);
    }

    private static Map<String, String> base(Path root) throws IOException {
        Path home = root.resolve("home");
        Files.createDirectories(home);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HOME", home.toString());
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
        env.put("TERM", "xterm-256color");
        env.put("LANG", "C.UTF-8");
        return env;
    }
}
