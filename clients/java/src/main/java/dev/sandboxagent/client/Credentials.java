package dev.sandboxagent.client;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The provider credentials and endpoints a request may carry for the agent process (the server's
 * {@code Credentials} schema). The server holds them in memory only.
 */
public final class Credentials {
    /** The variables the server accepts, as an agent reads them from its environment. */
    public static final List<String> NAMES = List.of("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN",
            "ANTHROPIC_BASE_URL", "CLAUDE_CODE_OAUTH_TOKEN", "OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEX_API_KEY",
            "GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL");

    private Credentials() {
    }

    /** The known variables that are set (and not blank) in {@code environment}, e.g. the CLI's own. */
    public static Map<String, String> fromEnvironment(Map<String, String> environment) {
        Map<String, String> found = new TreeMap<>();
        for (String name : NAMES) {
            String value = environment.get(name);
            if (value != null && !value.isBlank()) {
                found.put(name, value);
            }
        }
        return Map.copyOf(found);
    }
}
