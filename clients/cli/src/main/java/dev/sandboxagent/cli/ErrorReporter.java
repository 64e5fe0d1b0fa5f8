package dev.sandboxagent.cli;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.common.CliException;
import dev.sandboxagent.cli.common.ExitCodes;
import dev.sandboxagent.client.SandboxAgentException;
import dev.sandboxagent.client.ServerUnavailableException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine;

/**
 * Turns every failure into one {@code error:} line on stderr and an exit code (docs/style.md): 2 for a command line
 * that does not parse, 1 for everything that went wrong after. Stack traces only for bugs, and only with
 * SANDBOX_AGENT_DEBUG set.
 */
final class ErrorReporter implements IExecutionExceptionHandler, IParameterExceptionHandler {

    @Override
    public int handleParseException(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        // picocli words some messages "Error: ..." itself; one prefix is enough.
        String message = e.getMessage().startsWith("Error: ") ? e.getMessage().substring(7) : e.getMessage();
        err.println("error: " + message + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
        err.flush();
        return ExitCodes.USAGE;
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        int code = ExitCodes.FAILED;
        String message;
        if (e instanceof ParameterException usage) {
            // thrown by a command that validates its options after parsing
            return handleParseException(usage, parsed.originalArgs().toArray(String[]::new));
        } else if (e instanceof CliException cli) {
            message = cli.getMessage();
            code = cli.exitCode();
        } else if (e instanceof SandboxAgentException server) {
            message = server.getMessage() + hint(server, cmd);
        } else if (e instanceof ServerUnavailableException unavailable) {
            message = unavailable.getMessage();
        } else if (e instanceof UncheckedIOException io) {
            message = io.getMessage();
        } else {
            message = "unexpected " + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + " (set SANDBOX_AGENT_DEBUG=1 for details)";
            if (SandboxAgentCommand.environment(cmd.getCommandSpec()).get("SANDBOX_AGENT_DEBUG") != null) {
                e.printStackTrace(err);
            }
        }
        err.println("error: " + message);
        err.flush();
        return code;
    }

    /** A 401 is almost always the wrong token source; say which one was used. */
    private static String hint(SandboxAgentException e, CommandLine cmd) {
        if (e.status() != 401) {
            return "";
        }
        ApiOptions options = ApiOptions.of(cmd.getCommandSpec());
        return options == null ? "" : "; " + options.tokenSource();
    }
}
