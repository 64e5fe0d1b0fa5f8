package dev.sandboxagent.cli.autostart;

import dev.sandboxagent.client.Credentials;

import dev.sandboxagent.cli.common.CliEnvironment;
import dev.sandboxagent.cli.common.CliException;
import dev.sandboxagent.client.SandboxAgentClient;
import dev.sandboxagent.client.SandboxAgentException;
import dev.sandboxagent.client.ServerUnavailableException;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * Starts a server in the background when an api command finds none on a loopback URL (docs/cli.md "Autostart":
 * under Docker Sandboxes the runtime may never run the image's entrypoint, so the first {@code exec} has to). The server is a
 * detached process: its own session (setsid), stdin from /dev/null, output appended to
 * {@code <data dir>/server.log}; it outlives the CLI that started it.
 */
public final class Autostart {
    static final String LOG_FILE = "server.log";
    /** JVM start, SQLite open and Vert.x start take 1-3 s on a small sandbox; leave room for a slow disk. */
    static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

    private final URI url;
    private final Path dataDir;
    private final String tokenFlag;
    private final ServerLaunch launch;
    private final Duration readyTimeout;
    private final PrintWriter err;

    Autostart(URI url, Path dataDir, String tokenFlag, ServerLaunch launch, Duration readyTimeout, PrintWriter err) {
        this.url = url;
        this.dataDir = dataDir;
        this.tokenFlag = tokenFlag;
        this.launch = launch;
        this.readyTimeout = readyTimeout;
        this.err = err;
    }

    /**
     * @param tokenFlag the CLI's {@code --token}, or null; a started server gets it (through its environment, not
     *                  its command line, which every user of the machine can read)
     */
    public static Autostart forThisJvm(URI url, CliEnvironment environment, String tokenFlag, PrintWriter err) {
        return new Autostart(url, environment.dataDir(), tokenFlag, ServerLaunch.ofThisJvm(environment.get(ServerLaunch.LAUNCHER)), READY_TIMEOUT,
                err);
    }

    /** Only plain-http loopback URLs: a server elsewhere is not ours to start, and ours speaks no TLS. */
    public static boolean applies(URI url) {
        if (!"http".equals(url.getScheme()) || url.getHost() == null) {
            return false;
        }
        String host = url.getHost().toLowerCase(Locale.ROOT);
        return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1");
    }

    /** Returns once a server answers on the URL, starting one if needed; a {@link CliException} says why not. */
    public void ensureRunning() {
        if (listening()) {
            return;
        }
        try {
            // The server makes its data directory private too, but only once it runs: no window before that. (Plain
            // java.nio here: api commands must not load the server's classes.)
            Files.createDirectories(dataDir, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            AutostartLock lock = AutostartLock.acquire(dataDir, readyTimeout.plusSeconds(10));
            try {
                // Whoever held the lock before us may have started it already.
                if (!listening()) {
                    startAndAwait();
                }
            } finally {
                lock.close();
            }
        } catch (IOException e) {
            throw new CliException("could not start a server for " + url + ": " + e.getMessage());
        }
    }

    private void startAndAwait() throws IOException {
        Path log = dataDir.resolve(LOG_FILE);
        List<String> command = launch.command(host(), port(), dataDir);
        if (!Files.exists(log)) {
            // the server's log: for this user only
            Files.createFile(log, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Files.writeString(log, "--- " + Instant.now() + " autostarted by sandbox-agent pid "
                        + ProcessHandle.current().pid() + " for " + url + "\n",
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().remove(CliEnvironment.URL);
        // The server outlives this command and serves every later caller: it must not keep this caller's keys.
        // Each api command forwards the credentials it was run with instead.
        Credentials.NAMES.forEach(builder.environment()::remove);
        if (tokenFlag != null) {
            builder.environment().put(CliEnvironment.TOKEN, tokenFlag);
        }
        Process server = builder.start();
        awaitHealthy(server, log);
        err.println("started a sandbox-agent server on " + url + " (pid " + server.pid() + ", log " + log + ")");
        err.flush();
    }

    private void awaitHealthy(Process server, Path log) {
        SandboxAgentClient client = SandboxAgentClient.builder().baseUrl(url)
                .connectTimeout(PROBE_TIMEOUT).requestTimeout(PROBE_TIMEOUT.multipliedBy(2)).build();
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        while (true) {
            if (!server.isAlive()) {
                throw new CliException("the server started for " + url + " exited with code " + server.exitValue()
                        + " before it answered; see " + log);
            }
            try {
                client.health();
                return;
            } catch (ServerUnavailableException | UncheckedIOException | SandboxAgentException notYet) {
                // not listening yet (or not answering yet): keep waiting until the deadline
            }
            if (System.nanoTime() > deadline) {
                throw new CliException("the server started for " + url + " (pid " + server.pid()
                        + ") did not answer within " + readyTimeout.toSeconds() + " s; see " + log);
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException("interrupted while waiting for the server to start; see " + log);
            }
        }
    }

    /** A bare TCP connect: the cheapest "does anything answer there?", with no HTTP machinery. */
    private boolean listening() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host(), port()), (int) PROBE_TIMEOUT.toMillis());
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private String host() {
        String host = url.getHost();
        return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    }

    private int port() {
        return url.getPort() > 0 ? url.getPort() : 80;
    }
}
