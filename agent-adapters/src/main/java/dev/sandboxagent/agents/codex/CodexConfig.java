package dev.sandboxagent.agents.codex;

/**
 * The config.toml each session's CODEX_HOME gets. It never holds a secret: the provider names the environment
 * variable its key is in ({@code env_key}), and the key itself reaches Codex only through its environment, which
 * Codex is told not to write down (no shell snapshots).
 */
final class CodexConfig {
    private CodexConfig() {
    }

    /**
     * @param baseUrl OPENAI_BASE_URL, or null for the public API. Taken as OpenAI's SDKs take it: it already ends
     *                in {@code /v1} (Codex posts to {@code <base_url>/responses}), so nothing is appended.
     */
    static String toml(String model, String baseUrl) {
        String url = baseUrl == null || baseUrl.isBlank() ? CodexAdapter.PUBLIC_BASE_URL : baseUrl.strip();
        while (url.endsWith("/")) {
            url = url.substring(0, url.length() - 1);
        }
        // An explicit provider, even for the public API: Codex 0.169 ignores OPENAI_BASE_URL for its built-in
        // "openai" provider, and that provider tries WebSockets and ChatGPT login first; this one speaks plain
        // HTTP SSE with the key from OPENAI_API_KEY. One retry: a sandbox should fail fast, but not on one blip.
        // default_mode_request_user_input: in 0.169 the request_user_input tool is offered to the model in every
        // mode, but outside Plan collaboration mode its call fails with "request_user_input is unavailable in
        // Default mode" unless this feature is on; with it, the call reaches us as item/tool/requestUserInput.
        // The feature counts as under development, and without the suppress flag Codex sends a warning saying so
        // when a turn starts, which clients would see as a status item.
        // shell_snapshot: on by default in 0.169, Codex captures the shell it runs commands in (its environment
        // included, so the provider key too) into CODEX_HOME/shell_snapshots/*.sh, inside our data dir, for as
        // long as the session runs. Off: each command starts its shell afresh and nothing of the environment is
        // written. shell_snapshot_v2 is the newer capture of the same kind, off for the same reason.
        return "# Written by sandbox-agent for this session; rewritten at every start.\n"
                + "model = " + quote(model) + "\n"
                + "model_provider = \"sandbox\"\n"
                + "check_for_update_on_startup = false\n"
                + "suppress_unstable_features_warning = true\n"
                + "\n"
                + "[model_providers.sandbox]\n"
                + "name = \"sandbox\"\n"
                + "base_url = " + quote(url) + "\n"
                + "wire_api = \"responses\"\n"
                + "env_key = \"OPENAI_API_KEY\"\n"
                + "request_max_retries = 1\n"
                + "stream_max_retries = 1\n"
                + "\n"
                + "[analytics]\n"
                + "enabled = false\n"
                + "\n"
                + "[features]\n"
                + "daemon_auto_start = false\n"
                + "default_mode_request_user_input = true\n"
                + "shell_snapshot = false\n"
                + "shell_snapshot_v2 = false\n";
    }

    /** A TOML basic string. */
    static String quote(String value) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7F) {
                        out.append(String.format("\\u%04X", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
