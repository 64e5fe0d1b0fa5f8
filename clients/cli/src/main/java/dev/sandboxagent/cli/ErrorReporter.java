package dev.sandboxagent.cli;

import dev.sandboxagent.cli.args.UsageException;
import dev.sandboxagent.cli.common.CliContext;
import dev.sandboxagent.cli.common.CliException;
import dev.sandboxagent.cli.common.ExitCodes;
import dev.sandboxagent.client.SandboxAgentException;
import dev.sandboxagent.client.ServerUnavailableException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;

/**
 * Turns every failure into one {@code error:} line on stderr and an exit code (docs/style.md): 2 for a command line
 * that does not parse, 1 for everything that went wrong after. Stack traces only for bugs, and only with
 * SANDBOX_AGENT_DEBUG set.
 */
final class ErrorReporter {
    private ErrorReporter() {
    }

    /** A wrong command line: the message and the command whose help shows the fix. */
    static int usage(String message, String qualifiedName, PrintWriter err) {
        err.println("error: " + message + " (see '" + qualifiedName + " --help')");
        err.flush();
        return ExitCodes.USAGE;
    }

    /** A failure while {@code qualifiedName} ran. */
    static int failure(Exception e, String qualifiedName, CliContext context) {
        PrintWriter err = context.err();
        int code = ExitCodes.FAILED;
        String message;
        if (e instanceof UsageException usage) {
            // thrown by a command that validates its options after parsing
            return usage(usage.getMessage(), qualifiedName, err);
        } else if (e instanceof CliException cli) {
            message = cli.getMessage();
            code = cli.exitCode();
        } else if (e instanceof SandboxAgentException server) {
            message = server.getMessage() + hint(server, context);
        } else if (e instanceof ServerUnavailableException unavailable) {
            message = unavailable.getMessage();
        } else if (e instanceof UncheckedIOException io) {
            message = io.getMessage();
        } else {
            message = "unexpected " + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + " (set SANDBOX_AGENT_DEBUG=1 for details)";
            if (context.environment().get("SANDBOX_AGENT_DEBUG") != null) {
                e.printStackTrace(err);
            }
        }
        err.println("error: " + message);
        err.flush();
        return code;
    }

    /** A 401 is almost always the wrong token source; say which one was used. */
    private static String hint(SandboxAgentException e, CliContext context) {
        if (e.status() != 401 || context.tokenOrigin() == null) {
            return "";
        }
        return "; " + context.tokenOrigin();
    }
}
