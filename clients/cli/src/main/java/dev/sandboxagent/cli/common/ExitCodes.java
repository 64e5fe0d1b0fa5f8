package dev.sandboxagent.cli.common;

/** What the process exit status means, for scripts that call the CLI. */
public final class ExitCodes {
    /** Done. */
    public static final int OK = 0;
    /** The server said no, could not be reached, or the work failed (a turn that ended in error). */
    public static final int FAILED = 1;
    /** The command line itself was wrong; nothing was sent. */
    public static final int USAGE = 2;

    private ExitCodes() {
    }
}
