package dev.sandboxagent.cli.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The built {@code bin/sandbox-agent} launcher (with the shaded jar next to it), run as real processes, as a user
 * or {@code docker sandbox exec} runs it. Failsafe passes its path in {@code sandbox-agent.launcher}.
 */
public final class Launcher {
    private final Path script;
    private final Path workDir;
    private final Map<String, String> environment;

    private Launcher(Path script, Path workDir, Map<String, String> environment) {
        this.script = script;
        this.workDir = workDir;
        this.environment = Map.copyOf(environment);
    }

    /**
     * The launcher with a clean environment: PATH and JAVA_HOME from this JVM, HOME in {@code workDir} (so the
     * machine's ~/.sandbox-agent is never read or written), nothing else.
     */
    public static Launcher inTemp(Path workDir) {
        String path = System.getProperty("sandbox-agent.launcher");
        if (path == null) {
            throw new IllegalStateException("sandbox-agent.launcher is not set; run the *IT tests with mvn verify");
        }
        Map<String, String> env = new HashMap<>();
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("HOME", workDir.toString());
        // Servers these tests start (directly or by autostart) must never start an engine on the system socket.
        env.put("SANDBOX_AGENT_DOCKER", "off");
        return new Launcher(Path.of(path).toAbsolutePath().normalize(), workDir, env);
    }

    public Launcher env(String name, String value) {
        Map<String, String> copy = new HashMap<>(environment);
        copy.put(name, value);
        return new Launcher(script, workDir, copy);
    }

    /** The same launcher without the environment variable {@code name}. */
    public Launcher without(String name) {
        Map<String, String> copy = new HashMap<>(environment);
        copy.remove(name);
        return new Launcher(script, workDir, copy);
    }

    public record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** Starts {@code sandbox-agent args...}; stdout and stderr go to files named after {@code name}. */
    public Started start(String name, String... args) {
        List<String> command = new ArrayList<>();
        command.add(script.toString());
        command.addAll(List.of(args));
        Path out = workDir.resolve(name + ".out");
        Path err = workDir.resolve(name + ".err");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        builder.environment().clear();
        builder.environment().putAll(environment);
        try {
            return new Started(builder.start(), out, err);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a command to its end (within a deadline). */
    public Result run(String... args) {
        return start("run-" + System.nanoTime(), args).await(Duration.ofSeconds(90));
    }

    /** A launched process and its output files. */
    public record Started(Process process, Path out, Path err) {
        public long pid() {
            return process.pid();
        }

        public Result await(Duration timeout) {
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    throw new AssertionError("still running after " + timeout + ": " + output());
                }
                return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        private String readOut() {
            try {
                return new String(Files.readAllBytes(out), java.nio.charset.StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public String output() {
            try {
                return Files.readString(out) + Files.readString(err);
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        }

        /**
         * Waits until stdout has a whole line (newline-ended) containing {@code text}; fails early if the process
         * exits without printing it. A line still being written is not taken: a fragment such as "listening on
         * http://127.0.0.1:4" would be a wrong answer, as in CrashRecoveryTest.
         */
        public String awaitLine(String text, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                boolean exited = !process.isAlive(); // before the read: what it printed before exiting is read
                java.util.Optional<String> found = completeLines(readOut()).stream()
                        .filter(line -> line.contains(text)).findFirst();
                if (found.isPresent()) {
                    return found.get();
                }
                if (exited) {
                    throw new AssertionError("exited with " + process.exitValue() + " before printing '" + text
                            + "': " + output());
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("'" + text + "' not printed within " + timeout + ": " + output());
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            }
        }
    }

    /** The newline-ended lines of {@code text}: a last line without its newline is still being written. */
    static List<String> completeLines(String text) {
        int end = text.lastIndexOf('\n');
        return end < 0 ? List.of() : text.substring(0, end + 1).lines().toList();
    }
}
