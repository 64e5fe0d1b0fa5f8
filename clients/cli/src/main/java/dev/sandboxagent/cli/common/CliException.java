package dev.sandboxagent.cli.common;

/**
 * A failure the CLI explains itself: its message is printed as one {@code error:} line, without a stack trace,
 * and the process exits with {@link #exitCode()}.
 */
public class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    public CliException(String message) {
        this(message, ExitCodes.FAILED);
    }

    public CliException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
