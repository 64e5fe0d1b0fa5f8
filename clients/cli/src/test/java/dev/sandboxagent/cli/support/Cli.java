package dev.sandboxagent.cli.support;

import dev.sandboxagent.cli.Main;
import dev.sandboxagent.cli.common.CliEnvironment;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs {@code sandbox-agent} commands in this JVM, the way a user types them, and captures what they print. */
public final class Cli {
    private final Map<String, String> environment;
    private final List<String> commonArgs;

    private Cli(Map<String, String> environment, List<String> commonArgs) {
        this.environment = Map.copyOf(environment);
        this.commonArgs = List.copyOf(commonArgs);
    }

    /**
     * A CLI whose environment has only HOME (so no token file or URL leaks in from the machine), and docker off so
     * that a {@code server} command never touches the machine's Docker socket.
     */
    public static Cli withHome(java.nio.file.Path home) {
        return new Cli(Map.of("HOME", home.toString(), "SANDBOX_AGENT_DOCKER", "off"), List.of());
    }

    public Cli env(String name, String value) {
        Map<String, String> copy = new HashMap<>(environment);
        copy.put(name, value);
        return new Cli(copy, commonArgs);
    }

    /** Appends these arguments to every api command (e.g. --url and --token of a test server). */
    public Cli apiArgs(String... args) {
        List<String> copy = new ArrayList<>(commonArgs);
        copy.addAll(List.of(args));
        return new Cli(environment, copy);
    }

    public record Result(int exitCode, String out, String err) {
        public List<String> outLines() {
            return out.isEmpty() ? List.of() : List.of(out.split("\n"));
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    public Result run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (!all.isEmpty() && all.get(0).equals("api")) {
            all.addAll(commonArgs);
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(all, new CliEnvironment(environment), new PrintWriter(out, true),
                new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }
}
