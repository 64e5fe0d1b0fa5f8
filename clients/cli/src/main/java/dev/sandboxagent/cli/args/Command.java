package dev.sandboxagent.cli.args;

/**
 * A command of the tree: a group, which names its subcommands and builds the one invoked, or a command that runs.
 * Plain objects, no reflection: the parser asks the root for its spec, builds the subcommand the next word names,
 * and so on down to the command that runs, so a command line builds only the commands on its own path.
 *
 * @param <C> what a running command is handed besides its arguments (where to print, the environment)
 */
public interface Command<C> {
    CommandSpec spec();

    /**
     * For a group: the subcommand called {@code name}, built now; null for a name that is not one of
     * {@link CommandSpec#subcommands()}.
     */
    default Command<C> subcommand(String name) {
        return null;
    }

    /**
     * Runs the command with its parsed arguments; the exit status. A {@link UsageException} thrown here is reported
     * like a parse error (the command checks what the parser cannot, e.g. two options that cannot be combined).
     * Groups never run: the parser asks for a subcommand instead.
     */
    default int run(ParsedArgs args, C context) throws Exception {
        throw new UnsupportedOperationException(spec().name() + " is a group of commands");
    }
}
