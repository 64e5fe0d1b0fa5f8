package dev.sandboxagent.cli;

import dev.sandboxagent.cli.args.HelpText;
import dev.sandboxagent.cli.args.Parser;
import dev.sandboxagent.cli.common.CliContext;
import dev.sandboxagent.cli.common.CliEnvironment;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.List;

/** The {@code sandbox-agent} entry point (the fat jar's Main-Class). */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        PrintWriter out = writer(System.out, "sun.stdout.encoding");
        PrintWriter err = writer(System.err, "sun.stderr.encoding");
        int exitCode = run(List.of(args), CliEnvironment.system(), out, err);
        out.flush();
        err.flush();
        if (args.length > 0 && args[0].equals("server")) {
            System.exit(exitCode); // the server's shutdown hook (ForegroundServer) must run
        }
        // Every other command has no shutdown hook to run and its output is flushed: halt instead of exit. From
        // JDK 21 on, Runtime.exit looks up a System.Logger to log the exit, which on the distribution's JDK 25
        // loads and initialises ~300 classes, more than `--version` itself (docs/benchmarks.md "CLI round trip,
        // session 9").
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(exitCode);
    }

    /**
     * Parses the command line, runs the command it names (or prints help or the version) and returns the exit
     * status; every failure is reported on {@code err} as one line (see {@link ErrorReporter}). Tests run commands
     * through this with an environment and writers of their own.
     */
    public static int run(List<String> args, CliEnvironment environment, PrintWriter out, PrintWriter err) {
        Parser.Result<CliContext> parsed;
        try {
            parsed = Parser.parse(new SandboxAgentCommand(), args);
        } catch (Parser.Failure e) {
            return ErrorReporter.usage(e.getMessage(), e.qualifiedName(), err);
        }
        switch (parsed.action()) {
            case HELP -> {
                out.print(HelpText.of(parsed.command(), parsed.qualifiedName()));
                out.flush();
                return 0;
            }
            case VERSION -> {
                out.println(Version.text());
                out.flush();
                return 0;
            }
            default -> {
                CliContext context = new CliContext(environment, out, err);
                try {
                    int code = parsed.command().run(parsed.args(), context);
                    out.flush();
                    return code;
                } catch (Exception e) {
                    out.flush();
                    return ErrorReporter.failure(e, parsed.qualifiedName(), context);
                }
            }
        }
    }

    /** A writer on the stream in the encoding the JVM chose for it (the console's, if any). */
    private static PrintWriter writer(PrintStream stream, String encodingProperty) {
        String encoding = System.getProperty(encodingProperty);
        Charset charset = Charset.defaultCharset();
        if (encoding != null && Charset.isSupported(encoding)) {
            charset = Charset.forName(encoding);
        }
        return new PrintWriter(new OutputStreamWriter(stream, charset), true);
    }
}
