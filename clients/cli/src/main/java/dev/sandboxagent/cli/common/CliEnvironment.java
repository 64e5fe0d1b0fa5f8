package dev.sandboxagent.cli.common;

import java.nio.file.Path;
import java.util.Map;

/**
 * The process environment the CLI reads its defaults from. Passed in (rather than read with System.getenv at each
 * use) so that tests can run commands in-process with an environment of their own.
 */
public record CliEnvironment(Map<String, String> variables) {
    public static final String URL = "SANDBOX_AGENT_URL";
    public static final String TOKEN = "SANDBOX_AGENT_TOKEN";
    public static final String DATA_DIR = "SANDBOX_AGENT_DATA_DIR";

    public CliEnvironment {
        variables = Map.copyOf(variables);
    }

    public static CliEnvironment system() {
        return new CliEnvironment(System.getenv());
    }

    /** A variable's value, or null when unset or blank. */
    public String get(String name) {
        String value = variables.get(name);
        return value == null || value.isBlank() ? null : value;
    }

    /**
     * The data directory: SANDBOX_AGENT_DATA_DIR, else ~/.sandbox-agent. The same rule as the server's
     * {@code ServerConfig.resolveDataDir}, repeated here on purpose: api commands must not load server classes
     * (they would drag Vert.x into every short-lived CLI JVM).
     */
    public Path dataDir() {
        String fromEnv = get(DATA_DIR);
        if (fromEnv != null) {
            return Path.of(fromEnv).toAbsolutePath();
        }
        return Path.of(variables.getOrDefault("HOME", System.getProperty("user.home")), ".sandbox-agent");
    }
}
