package dev.sandboxagent.server.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandboxagent.server.warm.ProcessGroup;
import dev.sandboxagent.server.warm.ProcessState;
import dev.sandboxagent.server.warm.ProcessStatus;
import dev.sandboxagent.server.warm.ReadinessProbe;
import dev.sandboxagent.server.warm.RestartPolicy;
import dev.sandboxagent.server.warm.RotatingLog;
import dev.sandboxagent.server.warm.Supervisor;
import dev.sandboxagent.server.warm.UnixHttp;
import dev.sandboxagent.server.warm.WarmProcessSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The Docker engine agents use (docs/architecture.md "Agents and warm processes"): adopted when one already answers
 * on the socket, else dockerd started and kept alive by the {@link Supervisor} as the warm process "dockerd".
 */
public final class DockerEngine {
    public static final String PROCESS_NAME = "dockerd";
    private static final System.Logger LOG = System.getLogger(DockerEngine.class.getName());
    private static final Duration PING_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration WATCH_EVERY = Duration.ofSeconds(2);
    private static final List<String> SEARCH_PATH = List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
            "/usr/bin", "/sbin", "/bin");

    private enum Source { NONE, ADOPTED, MANAGED }

    private final DockerSettings settings;
    private final String searchPath;
    private final Supervisor supervisor;
    private final Consumer<DockerStatus> listener;
    /** The dockerd this server starts, recorded so that the next server knows it if this one is killed. */
    private final EnginePidFile ours;
    private volatile Source source = Source.NONE;
    private volatile String version;
    private volatile String absentReason;
    private volatile long since = System.currentTimeMillis();
    /** For an adopted engine, which nothing of ours supervises: whether it answered the last ping. */
    private volatile boolean adoptedAnswering = true;
    private volatile String adoptedFailure;
    private volatile ScheduledExecutorService watcher;
    /** How dockerd gets root; decided when the engine is started (only when it has to be). */
    private volatile RootAccess root;

    /**
     * @param dataDir    the server's data directory, where the pid of the dockerd it starts is recorded
     * @param searchPath the server's PATH (from its configuration), searched for dockerd and given to it
     */
    public DockerEngine(DockerSettings settings, Path dataDir, String searchPath, Supervisor supervisor,
                        Consumer<DockerStatus> listener) {
        this.settings = settings;
        this.searchPath = searchPath == null ? "" : searchPath;
        this.ours = new EnginePidFile(dataDir);
        this.supervisor = supervisor;
        this.listener = listener;
    }

    /**
     * Adopts or starts the engine. In mode {@code on} this waits until it is ready and throws
     * {@link IllegalStateException} when it cannot be; in mode {@code auto} dockerd comes up in the background.
     */
    public void start() {
        if (settings.mode() == DockerSettings.Mode.OFF) {
            return;
        }
        stopOrphan();
        if (ping().isEmpty()) {
            source = Source.ADOPTED;
            version = queryVersion();
            since = System.currentTimeMillis();
            LOG.log(Level.INFO, "adopted the Docker engine on " + settings.socket() + " (version " + version + ")");
            publish();
            watchAdopted();
            return;
        }
        Optional<Path> dockerd = findDockerd();
        root = dockerd.isPresent() ? RootAccess.detect() : null;
        if (dockerd.isEmpty() || !root.available()) {
            absentReason = dockerd.isPresent()
                    ? "no engine answers on " + settings.socket() + " and dockerd needs root: " + root.unavailableReason()
                    : settings.dockerd() != null ? "dockerd not found at " + settings.dockerd()
                    : "no engine answers on " + settings.socket() + " and dockerd is not installed";
            if (settings.mode() == DockerSettings.Mode.ON) {
                throw new IllegalStateException("--docker on: " + absentReason);
            }
            LOG.log(Level.INFO, "no Docker engine: " + absentReason);
            since = System.currentTimeMillis();
            publish();
            return;
        }
        source = Source.MANAGED;
        supervisor.onChange(this::processChanged);
        supervisor.start(spec(dockerd.get()));
        if (settings.mode() == DockerSettings.Mode.ON) {
            ProcessStatus status = supervisor.await(PROCESS_NAME, s -> s.state() == ProcessState.READY,
                    settings.startTimeout());
            if (status.state() != ProcessState.READY) {
                supervisor.stop(PROCESS_NAME);
                throw new IllegalStateException("--docker on: dockerd did not become ready within "
                        + settings.startTimeout().toSeconds() + " s (" + status.state().wireName()
                        + (status.lastError() == null ? "" : ": " + status.lastError()) + "); see "
                        + supervisor.log(PROCESS_NAME).file());
            }
        }
    }

    /**
     * A dockerd that a previous server of this data dir started and left behind when it was killed (-9, OOM) still
     * answers on the socket and must not be mistaken for someone else's engine and adopted. We stop it and start a
     * fresh one rather than take it back: it is no child of ours, so no exit status would tell the supervisor that it
     * died; its stdout and stderr were pipes into the dead server, so its log is lost and its next log line meets a
     * closed pipe; and a fresh start runs with this server's flags. Its containers stop with it, but the agents that
     * used them died with the server that ran them. See docs/operations.md.
     */
    private void stopOrphan() {
        ours.orphan().ifPresent(pid -> {
            LOG.log(Level.WARNING, "dockerd pid " + pid + ", started by a previous server of this data dir ("
                    + ours.file() + "), outlived it; stopping it to start one this server supervises");
            if (!EnginePidFile.stop(pid, settings.stopGrace())) {
                LOG.log(Level.WARNING, "dockerd pid " + pid + " or part of its process group still runs");
            }
            ours.clear();
        });
    }

    public DockerStatus status() {
        String mode = settings.mode().wireName();
        String socket = settings.socket().toString();
        return switch (source) {
            case NONE -> new DockerStatus(mode, settings.mode() == DockerSettings.Mode.OFF ? "off" : "absent", null,
                    socket, null, null, null, since, 0, absentReason);
            case ADOPTED -> {
                // The watcher's last ping, not a new one: /v1/health and /v1/docker are polled, and a ping of an
                // engine that hangs costs its full timeout.
                boolean answering = adoptedAnswering;
                yield new DockerStatus(mode, (answering ? ProcessState.READY : ProcessState.UNHEALTHY).wireName(),
                        "adopted", socket, answering ? settings.dockerHost() : null, null, version, since, 0,
                        answering ? null : adoptedFailure);
            }
            case MANAGED -> managedStatus(supervisor.status(PROCESS_NAME).orElse(null));
        };
    }

    /** DOCKER_HOST for agents, while the engine is ready. */
    public Optional<String> dockerHost() {
        return switch (source) {
            case NONE -> Optional.empty();
            case ADOPTED -> adoptedAnswering ? Optional.of(settings.dockerHost()) : Optional.empty();
            case MANAGED -> supervisor.status(PROCESS_NAME)
                    .filter(s -> s.state() == ProcessState.READY)
                    .map(s -> settings.dockerHost());
        };
    }

    /** Restarts the dockerd this server runs; an adopted or absent engine is not ours to restart. */
    public void restart() {
        requireManaged("restart");
        supervisor.restart(PROCESS_NAME);
    }

    public RotatingLog log() {
        requireManaged("show the logs of");
        return supervisor.log(PROCESS_NAME);
    }

    private void requireManaged(String action) {
        if (source != Source.MANAGED) {
            throw new NotManagedException("cannot " + action + " the Docker engine: "
                    + switch (source) {
                        case ADOPTED -> "it was already running on " + settings.socket()
                                + " and is not managed by this server";
                        case NONE -> settings.mode() == DockerSettings.Mode.OFF ? "docker is off (--docker off)"
                                : "there is none (" + absentReason + ")";
                        case MANAGED -> "";
                    });
        }
    }

    /** The engine is not run by this server, so it cannot be restarted or its logs read here. */
    public static final class NotManagedException extends IllegalStateException {
        NotManagedException(String message) {
            super(message);
        }
    }

    private DockerStatus managedStatus(ProcessStatus s) {
        if (s == null) {
            return new DockerStatus(settings.mode().wireName(), ProcessState.STOPPED.wireName(), "managed",
                    settings.socket().toString(), null, null, version, since, 0, null);
        }
        return new DockerStatus(settings.mode().wireName(), s.state().wireName(), "managed",
                settings.socket().toString(), s.state() == ProcessState.READY ? settings.dockerHost() : null,
                s.pid(), version, s.since(), s.restarts(), s.lastError());
    }

    private void processChanged(ProcessStatus status) {
        if (!status.name().equals(PROCESS_NAME)) {
            return;
        }
        if (status.state() == ProcessState.STARTING && status.pid() != null) {
            ours.write(status.pid());
        } else if (status.state() == ProcessState.STOPPED) {
            ours.clear();
        }
        if (status.state() == ProcessState.READY) {
            version = queryVersion();
        }
        listener.accept(managedStatus(status));
    }

    /**
     * An adopted engine is someone else's process, so no supervisor sees it die: ping it every
     * {@link #WATCH_EVERY} and publish when it stops or starts answering, as for the engine we run.
     */
    private void watchAdopted() {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "docker-adopted-watch");
            t.setDaemon(true);
            return t;
        });
        watcher = executor;
        executor.scheduleWithFixedDelay(() -> {
            Optional<String> failure = ping();
            boolean answering = failure.isEmpty();
            adoptedFailure = failure.orElse(null);
            if (answering != adoptedAnswering) {
                adoptedAnswering = answering;
                since = System.currentTimeMillis();
                if (answering) {
                    version = queryVersion();
                }
                LOG.log(Level.INFO, "the adopted Docker engine on " + settings.socket()
                        + (answering ? " answers again" : " stopped answering"));
                publish();
            }
        }, WATCH_EVERY.toMillis(), WATCH_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops watching an adopted engine (the engine itself is left alone). A managed dockerd stops with the supervisor. */
    public void close() {
        ScheduledExecutorService executor = watcher;
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    private void publish() {
        listener.accept(status());
    }

    private WarmProcessSpec spec(Path dockerd) {
        List<String> command = new ArrayList<>(List.of(dockerd.toString(),
                "--data-root", settings.dataRoot().toString(),
                "--exec-root", settings.execRoot().toString(),
                "--pidfile", settings.pidFile().toString(),
                "-H", settings.dockerHost()));
        command.addAll(settings.extraFlags());
        if (root.viaSudo()) {
            // The socket would belong to root:docker; the server's own group lets the server and its agents use it.
            command.addAll(List.of("--group", Long.toString(root.gid())));
        }
        command = root.asRoot(command);
        // dockerd finds containerd and runc on PATH; a minimal server environment may lack the sbin directories.
        String path = searchPath + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin"
                + ":/sbin:/bin";
        return new WarmProcessSpec(PROCESS_NAME, command, Map.of("PATH", path), null,
                ReadinessProbe.unixSocketHttp(settings.socket(), "/_ping"), RestartPolicy.always(),
                settings.startTimeout(), Duration.ofMillis(500), settings.stopGrace(), this::clearLeftovers);
    }

    /**
     * A dockerd killed with -9 leaves its pidfile and socket behind. The pidfile is removed when the PID in it is
     * gone or is no dockerd; a live dockerd that owns it is not ours, so we refuse rather than fight it. The socket
     * is removed when nothing answers on it (we only get here when the ping failed).
     */
    private void clearLeftovers() {
        try {
            Path pidFile = settings.pidFile();
            if (Files.exists(pidFile)) {
                String text = Files.readString(pidFile).strip();
                long pid = text.isEmpty() ? -1 : Long.parseLong(text);
                boolean liveDockerd = pid > 0 && ProcessGroup.isRunning(pid) && ProcessHandle.of(pid)
                        .flatMap(h -> h.info().command())
                        .map(c -> c.endsWith("dockerd"))
                        .orElse(false);
                if (liveDockerd) {
                    throw new IllegalStateException("dockerd pid " + pid + " (from " + pidFile + ") runs but does "
                            + "not answer on " + settings.socket() + "; not starting a second engine over it");
                }
                root.delete(pidFile);
                LOG.log(Level.INFO, "removed the stale pidfile " + pidFile);
            }
            clearContainerdPidFile();
            if (Files.exists(settings.socket()) && ping().isPresent()) {
                root.delete(settings.socket());
                LOG.log(Level.INFO, "removed the stale socket " + settings.socket());
            }
            Files.createDirectories(settings.socket().toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("could not clear a previous dockerd's leftovers: " + e.getMessage(), e);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("the pidfile " + settings.pidFile() + " holds no PID", e);
        }
    }

    /**
     * dockerd runs containerd in a process group of its own, with a parent-death signal, so a kill -9 of dockerd takes
     * containerd down too. But the pid in {@code <exec-root>/containerd/containerd.pid} may still name a zombie (a
     * container's PID 1 need not reap orphans), and dockerd, seeing that PID "alive", would wait for a containerd
     * that never answers. So: a containerd of this exec root that still runs is ours and is killed; the file goes.
     */
    private void clearContainerdPidFile() throws IOException {
        Path file = settings.execRoot().resolve("containerd").resolve("containerd.pid");
        if (!Files.exists(file)) {
            return;
        }
        String text = Files.readString(file).strip();
        if (!text.isEmpty() && text.chars().allMatch(Character::isDigit)) {
            long pid = Long.parseLong(text);
            String command = commandLine(pid);
            if (ProcessGroup.isRunning(pid) && command.contains("containerd")
                    && command.contains(settings.execRoot().toString())) {
                LOG.log(Level.INFO, "killing containerd pid " + pid + " left by a crashed dockerd");
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                long deadline = System.currentTimeMillis() + 5000;
                while (ProcessGroup.isRunning(pid) && System.currentTimeMillis() < deadline) {
                    sleep(20);
                }
            }
        }
        root.delete(file);
    }

    private static String commandLine(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Optional<Path> findDockerd() {
        if (settings.dockerd() != null) {
            return Files.isExecutable(settings.dockerd()) ? Optional.of(settings.dockerd()) : Optional.empty();
        }
        List<String> dirs = new ArrayList<>(List.of(searchPath.split(":")));
        dirs.addAll(SEARCH_PATH);
        return dirs.stream()
                .filter(d -> !d.isBlank())
                .map(d -> Path.of(d, "dockerd"))
                .filter(Files::isExecutable)
                .findFirst();
    }

    private Optional<String> ping() {
        return ReadinessProbe.unixSocketHttp(settings.socket(), "/_ping").check(PING_TIMEOUT);
    }

    private String queryVersion() {
        try {
            UnixHttp.Answer answer = UnixHttp.get(settings.socket(), "/version", PING_TIMEOUT);
            if (answer.status() == 200) {
                JsonNode body = new ObjectMapper().readTree(answer.body());
                return body.path("Version").asText(null);
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "could not read the engine's version: " + e.getMessage());
        }
        return null;
    }
}
