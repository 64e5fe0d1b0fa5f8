package dev.sandboxagent.agents.pty;

import com.pty4j.PtyProcess;
import com.pty4j.PtyProcessBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/** How to start a {@link TerminalProcess}: see there for what the terminal does. */
public final class TerminalProcessBuilder {
    /**
     * Runs before the program: raw mode, the stderr FIFO, then the marker that says both are done; then it opens the
     * FIFO as its stderr (which waits for our read end) and removes the name, and the FIFO's private directory with
     * it: once both ends are open nothing needs either, and a server killed while its agents run (SIGKILL, no
     * cleanup) then leaves no empty directory in the temporary directory for each of them. A directory that cannot be
     * removed is not an error: the server removes it when the program ends. Everything variable is a positional
     * parameter ($1 marker, $2 FIFO, then the program and its arguments), never pasted into the script, so no
     * argument can inject shell code.
     */
    static final String WRAPPER =
            "stty raw -echo && mkfifo -m 600 \"$2\" || exit 125; printf '%s' \"$1\"; "
                    + "exec 2>\"$2\" && rm -f \"$2\" || exit 125; rmdir \"${2%/*}\" 2>/dev/null; shift 2; "
                    + "exec \"$@\"";
    /**
     * {@link #WRAPPER} with stdin from a second FIFO ($3, in the same directory). The wrapper holds it open read-write
     * on fd 3, so neither its own open nor ours blocks, then waits for a go line on the terminal: by then our write
     * end is open, so the program never reads a premature end-of-file. It then opens the read end, removes the name
     * and hands the read end to the program as stdin, with fd 3 closed; both names gone, it removes the directory.
     */
    static final String WRAPPER_STDIN_PIPE =
            "stty raw -echo && mkfifo -m 600 \"$2\" && mkfifo -m 600 \"$3\" && exec 3<>\"$3\" || exit 125; "
                    + "printf '%s' \"$1\"; IFS= read -r go; exec 4<\"$3\" && rm -f \"$3\" || exit 125; "
                    + "exec 2>\"$2\" && rm -f \"$2\" || exit 125; rmdir \"${2%/*}\" 2>/dev/null; shift 3; "
                    + "exec \"$@\" <&4 3<&- 4<&-";
    private static final SecureRandom RANDOM = new SecureRandom();

    final List<String> command;
    Path directory = Path.of(System.getProperty("user.dir"));
    final Map<String, String> environment = new LinkedHashMap<>();
    int columns = 200;
    int rows = 50;
    TerminalOutput output = TerminalOutput.DISCARD;
    Consumer<String> stderrLines = line -> {
    };
    IntConsumer onExit = code -> {
    };
    int stderrHead = 50;
    int stderrTail = 50;
    Duration readyTimeout = Duration.ofSeconds(10);
    Duration drain = Duration.ofSeconds(5);
    String name;
    boolean stdinPipe;

    TerminalProcessBuilder(List<String> command) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        this.command = List.copyOf(command);
        this.name = Path.of(command.get(0)).getFileName().toString();
    }

    public TerminalProcessBuilder directory(Path directory) {
        this.directory = Objects.requireNonNull(directory, "directory");
        return this;
    }

    /**
     * The program's whole environment (nothing else of the server's is passed), except that {@code TERM}
     * defaults to {@code xterm-256color} and {@code PATH} and {@code HOME} to the server's own.
     */
    public TerminalProcessBuilder environment(Map<String, String> environment) {
        this.environment.putAll(environment);
        return this;
    }

    public TerminalProcessBuilder size(int columns, int rows) {
        this.columns = columns;
        this.rows = rows;
        return this;
    }

    /** Where stdout goes; default {@link TerminalOutput#DISCARD}. Either way it is drained. */
    public TerminalProcessBuilder output(TerminalOutput output) {
        this.output = Objects.requireNonNull(output, "output");
        return this;
    }

    /** Gets each stderr line as it comes, on the stderr thread (besides the {@link StderrCapture}). */
    public TerminalProcessBuilder stderrLines(Consumer<String> stderrLines) {
        this.stderrLines = Objects.requireNonNull(stderrLines, "stderrLines");
        return this;
    }

    public TerminalProcessBuilder keepStderr(int headLines, int tailLines) {
        this.stderrHead = headLines;
        this.stderrTail = tailLines;
        return this;
    }

    /**
     * Runs once, on the exit thread, after the program exited and all its output was delivered, before
     * {@link TerminalProcess#exit()} completes.
     */
    public TerminalProcessBuilder onExit(IntConsumer onExit) {
        this.onExit = Objects.requireNonNull(onExit, "onExit");
        return this;
    }

    public TerminalProcessBuilder readyTimeout(Duration readyTimeout) {
        this.readyTimeout = Objects.requireNonNull(readyTimeout, "readyTimeout");
        return this;
    }

    /**
     * How long stderr may stay open after the program exited (a descendant that survived the hangup holds it)
     * before it is cut off; default 5 s. A normal exit does not wait for it.
     */
    public TerminalProcessBuilder drainTimeout(Duration drain) {
        this.drain = Objects.requireNonNull(drain, "drain");
        return this;
    }

    /**
     * Gives the program a pipe for stdin instead of the terminal (stdout stays the terminal), for protocols that
     * refuse a tty on stdin. {@link TerminalProcess#write} then writes to the pipe.
     */
    public TerminalProcessBuilder stdinPipe(boolean stdinPipe) {
        this.stdinPipe = stdinPipe;
        return this;
    }

    /** A short name for thread names and messages; default the program's file name. */
    public TerminalProcessBuilder name(String name) {
        this.name = Objects.requireNonNull(name, "name");
        return this;
    }

    /**
     * Starts the program and returns once its terminal is raw.
     *
     * @throws IOException if it cannot be started or its terminal did not become ready in time (then it is
     *                     killed); the message says why
     */
    public TerminalProcess start() throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new IOException("cannot start " + name + ": working directory " + directory + " does not exist");
        }
        Map<String, String> env = childEnvironment();
        requireProgram(env);
        byte[] nonce = new byte[8];
        RANDOM.nextBytes(nonce);
        String marker = "<sandbox-agent-pty-ready-" + HexFormat.of().formatHex(nonce) + ">";
        NamedPipe stderrPipe = NamedPipe.create();
        List<String> wrapped = new ArrayList<>(List.of("/bin/sh", "-c", stdinPipe ? WRAPPER_STDIN_PIPE : WRAPPER,
                "sh", marker, stderrPipe.path().toString()));
        if (stdinPipe) {
            wrapped.add(stderrPipe.stdinPath().toString());
        }
        wrapped.addAll(command);
        PtyProcess process;
        PtyNatives.beforeStart();
        try {
            process = new PtyProcessBuilder(wrapped.toArray(String[]::new))
                    .setDirectory(directory.toString())
                    .setEnvironment(env)
                    .setConsole(false)
                    .setInitialColumns(columns)
                    .setInitialRows(rows)
                    .start();
        } catch (IOException | RuntimeException e) {
            stderrPipe.delete();
            throw new IOException("cannot start " + name + " under a terminal: " + e.getMessage(), e);
        }
        PtyNatives.afterStart();
        TerminalProcess terminal = new TerminalProcess(process, this, marker, stderrPipe);
        terminal.awaitReady(readyTimeout, stdinPipe);
        return terminal;
    }

    private Map<String, String> childEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("TERM", "xterm-256color");
        env.put("PATH", Objects.requireNonNullElse(System.getenv("PATH"),
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
        env.put("HOME", Objects.requireNonNullElse(System.getenv("HOME"), System.getProperty("user.home")));
        env.putAll(environment);
        return env;
    }

    /** Fails early, with a message a user can act on, instead of as an exit code 127 after the marker. */
    private void requireProgram(Map<String, String> env) throws IOException {
        String program = command.get(0);
        if (program.contains("/")) {
            Path path = directory.resolve(program);
            if (!Files.isRegularFile(path) || !Files.isExecutable(path)) {
                throw new IOException("cannot start " + name + ": " + path + " is not an executable file");
            }
            return;
        }
        String path = env.getOrDefault("PATH", "");
        for (String dir : path.split(":")) {
            Path candidate = (dir.isEmpty() ? directory : directory.resolve(dir)).resolve(program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return;
            }
        }
        throw new IOException("cannot start " + name + ": '" + program + "' was not found on PATH " + path);
    }
}
