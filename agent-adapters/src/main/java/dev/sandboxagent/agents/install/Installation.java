package dev.sandboxagent.agents.install;

import java.nio.file.Path;

/**
 * An agent CLI found on this machine.
 *
 * @param executable what to run
 * @param version    its version, or null when it could not be read
 * @param managed    true when it lives in our agents directory (installed by install-agent), false when found on
 *                   PATH
 */
public record Installation(Path executable, String version, boolean managed) {
}
