package dev.sandboxagent.cli.server;

import java.nio.file.Path;
import java.util.List;

/** The {@code server} command's flags; null means "not given" (the environment or the default applies). */
record ServerOptions(String host, Integer port, String token, boolean noToken, Path dataDir, String docker,
                     Path warmConfig, List<String> corsOrigins) {
    ServerOptions {
        corsOrigins = corsOrigins == null ? List.of() : List.copyOf(corsOrigins);
    }
}
