package dev.sandboxagent.server.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * What tests that need a real Docker engine share: whether one can run here (skipped with a reason if not, but never
 * on CI, where .ci/run installs it), a tiny image built locally (no registry is reachable), and the docker CLI
 * pointed at a given engine. Every engine a test starts has its own directory, socket and data root.
 */
public final class DockerSupport {
    public static final String IMAGE = "sandbox-agent-test/busybox:1";
    private static final List<String> SEARCH = List.of("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin");

    /** The CLI's own config directory, so the machine's ~/.docker (contexts, credentials) never applies. */
    private static final Path CLI_CONFIG = cliConfig();

    private static Path cliConfig() {
        try {
            Path dir = Files.createTempDirectory("sa-dkcfg-");
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private DockerSupport() {
    }

    /** The dockerd to run, or the test is skipped (failed when CI=true) saying why there is none. */
    public static Path requireDockerd() {
        Path dockerd = find("dockerd");
        String missing = dockerd == null ? "dockerd is not installed (apt-get install docker.io)"
                : find("docker") == null ? "the docker CLI is not installed"
                : !Files.isExecutable(Path.of("/bin/busybox")) ? "/bin/busybox is missing (apt-get install busybox-static)"
                : !"root".equals(System.getProperty("user.name")) ? "dockerd needs root"
                : null;
        if (missing != null) {
            String message = "no Docker engine can run here: " + missing;
            if ("true".equals(System.getenv("CI"))) {
                Assertions.fail(message + " (CI=true: docker tests must run, see .ci/run)");
            }
            Assumptions.assumeTrue(false, message + "; skipping");
        }
        return dockerd;
    }

    /** A short path: unix socket paths are limited to 107 bytes and dockerd nests sockets under its exec root. */
    public static Path engineDir() {
        try {
            return Files.createTempDirectory(Path.of("/tmp"), "sa-dk-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Builds {@link #IMAGE} (FROM scratch, busybox-static) in the engine at {@code dockerHost}. */
    public static void buildImage(String dockerHost, Path workDir) throws Exception {
        Path context = Files.createDirectories(workDir.resolve("image"));
        Files.copy(Path.of("/bin/busybox"), context.resolve("busybox"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(context.resolve("Dockerfile"), "FROM scratch\nCOPY busybox /bin/busybox\n"
                + "RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n");
        Result r = docker(dockerHost, "build", "-q", "-t", IMAGE, context.toString());
        Assertions.assertEquals(0, r.exitCode(), () -> "docker build failed: " + r);
    }

    public record Result(int exitCode, String output) {
    }

    /** Runs the docker CLI against the engine at {@code dockerHost} (a unix:// URL); output is stdout+stderr. */
    public static Result docker(String dockerHost, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(find("docker").toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("DOCKER_HOST", dockerHost);
        pb.environment().put("DOCKER_BUILDKIT", "0"); // the classic builder needs nothing beyond the engine
        pb.environment().put("DOCKER_CONFIG", CLI_CONFIG.toString());
        pb.environment().remove("DOCKER_CONTEXT");
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("docker " + String.join(" ", args) + " did not finish");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** The PIDs in a process group (what a supervised dockerd started: containerd and the like). */
    public static List<Long> groupMembers(long pgid) {
        List<Long> members = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            procs.map(p -> p.getFileName().toString())
                    .filter(n -> n.chars().allMatch(Character::isDigit))
                    .mapToLong(Long::parseLong)
                    .filter(pid -> dev.sandboxagent.server.warm.ProcessGroup.isRunning(pid) && groupOf(pid) == pgid)
                    .forEach(members::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return members;
    }

    public static String commandOf(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ').strip();
        } catch (IOException e) {
            return "";
        }
    }

    private static long groupOf(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Removes an engine directory once its dockerd is gone; leftovers only cost /tmp space, so never fails. */
    public static void deleteQuietly(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        unmountUnder(dir);
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // best effort
        }
    }

    /**
     * dockerd bind-mounts its data root onto itself and unmounts it on an orderly stop; a kill -9 leaves the mount.
     * Lazily unmount whatever is still mounted under a test engine's directory (deepest first).
     */
    private static void unmountUnder(Path dir) {
        try {
            String prefix = dir.toRealPath().toString() + "/";
            List<String> mounts = Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                    .map(l -> l.split(" ")[1])
                    .filter(m -> m.startsWith(prefix))
                    .sorted(Comparator.reverseOrder())
                    .toList();
            for (String m : mounts) {
                new ProcessBuilder("umount", "-l", m).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (IOException | InterruptedException | RuntimeException ignored) {
            // best effort
        }
    }

    static Path find(String name) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(SEARCH);
        return dirs.stream().filter(d -> !d.isBlank()).map(d -> Path.of(d, name)).filter(Files::isExecutable)
                .findFirst().orElse(null);
    }

    /** A dockerd started by a test itself (not by a server), for adoption: stopped by its PID. */
    public static final class TestEngine implements AutoCloseable {
        private final Process process;
        private final Path dir;

        private TestEngine(Process process, Path dir) {
            this.process = process;
            this.dir = dir;
        }

        public static TestEngine start(Path dockerd) throws Exception {
            Path dir = engineDir();
            Process p = new ProcessBuilder(dockerd.toString(), "--data-root", dir.resolve("data").toString(),
                    "--exec-root", dir.resolve("exec").toString(), "--pidfile", dir.resolve("dockerd.pid").toString(),
                    "-H", "unix://" + dir.resolve("docker.sock"), "--bridge=none", "--iptables=false")
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("dockerd.log").toFile())
                    .start();
            TestEngine engine = new TestEngine(p, dir);
            long deadline = System.currentTimeMillis() + 60_000;
            while (dev.sandboxagent.server.warm.ReadinessProbe.unixSocketHttp(engine.socket(), "/_ping")
                    .check(java.time.Duration.ofSeconds(1)).isPresent()) {
                if (!p.isAlive() || System.currentTimeMillis() > deadline) {
                    engine.close();
                    throw new AssertionError("test dockerd did not become ready: "
                            + Files.readString(dir.resolve("dockerd.log")));
                }
                Thread.sleep(100);
            }
            return engine;
        }

        public Path socket() {
            return dir.resolve("docker.sock");
        }

        public long pid() {
            return process.pid();
        }

        @Override
        public void close() throws Exception {
            process.destroy(); // TERM: dockerd stops its containerd itself
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            deleteQuietly(dir);
        }
    }
}
