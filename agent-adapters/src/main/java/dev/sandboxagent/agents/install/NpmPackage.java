package dev.sandboxagent.agents.install;

import java.util.Objects;

/**
 * Where an agent CLI comes from on npm.
 *
 * @param name           the npm package, e.g. {@code @anthropic-ai/claude-code}
 * @param binary         the command the package puts in {@code node_modules/.bin}
 * @param defaultVersion the version installed when none is asked for: the one our tests run against
 */
public record NpmPackage(String name, String binary, String defaultVersion) {
    public NpmPackage {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(binary, "binary");
        Objects.requireNonNull(defaultVersion, "defaultVersion");
    }
}
