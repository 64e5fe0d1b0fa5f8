package dev.sandboxagent.cli.server;

import java.nio.file.Path;

/** The {@code server} command's flags; null means "not given" (the environment or the default applies). */
record ServerOptions(String host, Integer port, String token, boolean noToken, Path dataDir, String docker,
                     Path warmConfig) {
}
