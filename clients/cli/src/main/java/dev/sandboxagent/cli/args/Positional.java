package dev.sandboxagent.cli.args;

import java.util.Objects;

/**
 * A required argument at a fixed position, e.g. a session's {@code ID}.
 *
 * @param label       its name in help and errors
 * @param description one or more sentences for {@code --help}
 */
public record Positional(String label, String description) {
    public Positional {
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(description, "description");
    }
}
