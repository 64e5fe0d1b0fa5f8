package dev.sandboxagent.cli.common;

import java.io.PrintWriter;

/**
 * What a running command is handed besides its arguments: the environment it reads its defaults from, and where to
 * print. Passed in (rather than read from System) so that tests run commands in-process with their own.
 */
public final class CliContext {
    private final CliEnvironment environment;
    private final PrintWriter out;
    private final PrintWriter err;
    private String tokenOrigin;

    public CliContext(CliEnvironment environment, PrintWriter out, PrintWriter err) {
        this.environment = environment;
        this.out = out;
        this.err = err;
    }

    public CliEnvironment environment() {
        return environment;
    }

    public PrintWriter out() {
        return out;
    }

    public PrintWriter err() {
        return err;
    }

    /**
     * Where the token of this command's connection came from ({@code --token}, the environment, a file), recorded
     * when it connects: a 401 is almost always the wrong token source, so the error names it.
     */
    public void tokenOrigin(String origin) {
        this.tokenOrigin = origin;
    }

    /** The recorded origin of the token, or null when the command did not connect. */
    public String tokenOrigin() {
        return tokenOrigin;
    }
}
