package dev.sandboxagent.server.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A real server in a child JVM (same classpath as the tests), for crash tests: kill -9 by its PID. */
public final class ServerProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path log;
    private final long logStart;

    private ServerProcess(Process process, int port, Path log, long logStart) {
        this.process = process;
        this.port = port;
        this.log = log;
        this.logStart = logStart;
    }

    public static ServerProcess start(Path dataDir, Path log) {
        return start(dataDir, log, java.util.Map.of(), List.of());
    }

    /** @param environment added to the child's environment; SANDBOX_AGENT_* entries reach the agents too */
    public static ServerProcess start(Path dataDir, Path log, java.util.Map<String, String> environment) {
        return start(dataDir, log, environment, List.of());
    }

    /** With extra arguments for {@link ServerMain} (e.g. an isolated Docker engine). */
    public static ServerProcess start(Path dataDir, Path log, List<String> extra) {
        return start(dataDir, log, java.util.Map.of(), extra);
    }

    public static ServerProcess start(Path dataDir, Path log, java.util.Map<String, String> environment,
                                      List<String> extra) {
        return start(null, dataDir, log, environment, extra);
    }

    /**
     * Under an explicit umask ({@code "022"}, say), set by a shell that then execs the JVM: what a user's login
     * shell would give the server. Null keeps this JVM's.
     */
    public static ServerProcess start(String umask, Path dataDir, Path log, java.util.Map<String, String> environment,
                                      List<String> extra) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>();
        if (umask != null) {
            command.addAll(List.of("/bin/sh", "-c", "umask \"$0\" && exec \"$@\"", umask));
        }
        command.addAll(List.of(java, "-D" + BlockedEventLoops.LIMIT_PROPERTY + "="
                + BlockedEventLoops.TEST_LIMIT.toMillis(), "-cp", System.getProperty("java.class.path"),
                ServerMain.class.getName(), dataDir.toString()));
        command.addAll(extra);
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(environment);
        long logStart = log.toFile().length(); // a log shared by several runs is checked from here on
        try {
            Process process = pb.start();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            CompletableFuture<Integer> port = CompletableFuture.supplyAsync(() -> {
                try {
                    String line;
                    while ((line = out.readLine()) != null) {
                        if (line.startsWith("PORT ")) {
                            return Integer.parseInt(line.substring(5).trim());
                        }
                    }
                    throw new IllegalStateException("server exited before it listened; see " + log);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            return new ServerProcess(process, port.get(60, TimeUnit.SECONDS), log, logStart);
        } catch (Exception e) {
            throw new IllegalStateException("could not start the server process (log: " + log + ")", e);
        }
    }

    public long pid() {
        return process.pid();
    }

    public Api api() {
        return new Api("http://127.0.0.1:" + port, RunningServer.TOKEN);
    }

    public SseReader sse(String sessionId, Long lastEventId) {
        return SseReader.open(api().base() + "/v1/sessions/" + sessionId + "/events/sse", RunningServer.TOKEN,
                lastEventId);
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("server process " + pid() + " did not die");
        }
    }

    /** SIGTERM, and the exit code. */
    public int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("server process " + pid() + " did not stop on SIGTERM");
        }
        return process.exitValue();
    }

    /** Stops the server if it still runs, then fails if its log shows an event loop blocked (EventLoopCheck). */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        BlockedEventLoops.assertNone(BlockedEventLoops.inLog(log, logStart), "in the server process (log: " + log
                + ")");
    }
}
