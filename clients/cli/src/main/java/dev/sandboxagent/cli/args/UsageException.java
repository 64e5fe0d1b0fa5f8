package dev.sandboxagent.cli.args;

/**
 * The command line is wrong: unknown option, missing value or argument, a value that does not convert, options
 * that cannot be combined. Reported as one line naming the command whose {@code --help} would show the fix.
 */
public final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
