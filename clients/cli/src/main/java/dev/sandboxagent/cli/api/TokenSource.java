package dev.sandboxagent.cli.api;

import dev.sandboxagent.cli.common.CliEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The bearer token and where it came from: {@code --token}, else $SANDBOX_AGENT_TOKEN, else the file the server
 * writes into its data directory (so the CLI inside a sandbox needs no configuration). Where it came from matters
 * for the one thing a user can do about a 401: fix the right source.
 */
public record TokenSource(String token, String origin) {
    static final String TOKEN_FILE = "token";

    static TokenSource resolve(String flag, CliEnvironment environment) {
        if (flag != null && !flag.isBlank()) {
            return new TokenSource(flag.strip(), "the token came from --token");
        }
        String fromEnv = environment.get(CliEnvironment.TOKEN);
        if (fromEnv != null) {
            return new TokenSource(fromEnv.strip(), "the token came from $" + CliEnvironment.TOKEN);
        }
        Path file = environment.dataDir().resolve(TOKEN_FILE);
        if (!Files.exists(file)) {
            return new TokenSource(null, "no token was sent: pass --token, set $" + CliEnvironment.TOKEN
                    + ", or let the server write " + file);
        }
        try {
            String fromFile = Files.readString(file).strip();
            return fromFile.isEmpty()
                    ? new TokenSource(null, "no token was sent: " + file + " is empty")
                    : new TokenSource(fromFile, "the token came from " + file);
        } catch (IOException e) {
            return new TokenSource(null, "no token was sent: cannot read " + file + " (" + e.getMessage() + ")");
        }
    }

    @Override
    public String toString() {
        return origin; // never the token itself
    }
}
