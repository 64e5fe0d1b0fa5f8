package dev.sandboxagent.dist;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The outer Docker engine of the template test: a dockerd the test starts itself under a temporary directory (its
 * own socket, data root, exec root and pidfile; no bridge and no iptables rules on the host), stopped by its PID.
 * Containers run with {@code --network none}; builds use the host's network (apt and npm downloads only).
 */
final class OuterDocker implements AutoCloseable {
    private final Process dockerd;
    private final Path dir;
    private final Path config;

    private OuterDocker(Process dockerd, Path dir, Path config) {
        this.dockerd = dockerd;
        this.dir = dir;
        this.config = config;
    }

    /** What the test needs from the machine, or a skip (a failure when CI=true) that says what is missing. */
    static void requireMachine() {
        String missing = find("dockerd") == null ? "dockerd is not installed (apt-get install docker.io)"
                : find("docker") == null ? "the docker CLI is not installed"
                : find("debootstrap") == null ? "debootstrap is not installed (apt-get install debootstrap)"
                : find("npm") == null ? "npm is not installed"
                : !Files.isExecutable(Path.of("/bin/busybox")) ? "/bin/busybox is missing (apt-get install busybox-static)"
                : !"root".equals(System.getProperty("user.name")) ? "dockerd and debootstrap need root"
                : null;
        if (missing != null) {
            String message = "the template test cannot run here: " + missing;
            if ("true".equals(System.getenv("CI"))) {
                Assertions.fail(message + " (CI=true: it must run, see .ci/run)");
            }
            Assumptions.assumeTrue(false, message + "; skipping");
        }
    }

    static OuterDocker start() throws Exception {
        // Short: unix socket paths are limited to 107 bytes and dockerd nests sockets under its exec root.
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "sa-tpl-");
        Path config = Files.createDirectories(dir.resolve("cli"));
        Process p = new ProcessBuilder(find("dockerd").toString(), "--data-root", dir.resolve("data").toString(),
                "--exec-root", dir.resolve("exec").toString(), "--pidfile", dir.resolve("dockerd.pid").toString(),
                "-H", "unix://" + dir.resolve("docker.sock"), "--bridge=none", "--iptables=false")
                .redirectErrorStream(true).redirectOutput(dir.resolve("dockerd.log").toFile()).start();
        OuterDocker engine = new OuterDocker(p, dir, config);
        long deadline = System.currentTimeMillis() + 60_000;
        while (!engine.answers()) {
            if (!p.isAlive() || System.currentTimeMillis() > deadline) {
                String log = Files.readString(dir.resolve("dockerd.log"));
                engine.close();
                throw new AssertionError("the outer dockerd did not become ready:\n" + log);
            }
            Thread.sleep(100);
        }
        return engine;
    }

    private boolean answers() {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(dir.resolve("docker.sock")));
            channel.write(ByteBuffer.wrap("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer answer = ByteBuffer.allocate(64);
            channel.read(answer);
            return new String(answer.array(), 0, answer.position(), StandardCharsets.US_ASCII).contains(" 200 ");
        } catch (IOException e) {
            return false;
        }
    }

    Map<String, String> environment() {
        return Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"),
                "DOCKER_HOST", "unix://" + dir.resolve("docker.sock"),
                "DOCKER_CONFIG", config.toString(), // the machine's ~/.docker (contexts, credentials) never applies
                "DOCKER_BUILDKIT", "0",              // the classic builder needs nothing beyond the engine
                "HOME", dir.toString());
    }

    /** Runs the docker CLI; the result whatever its exit code. */
    Shell.Result docker(long seconds, String... args) {
        List<String> command = new ArrayList<>();
        command.add(find("docker").toString());
        command.addAll(List.of(args));
        return Shell.run(environment(), seconds, command);
    }

    /** Runs the docker CLI and fails the test unless it succeeds. */
    String ok(long seconds, String... args) {
        Shell.Result r = docker(seconds, args);
        Assertions.assertEquals(0, r.exitCode(), () -> "docker " + String.join(" ", args) + " failed: " + r);
        return r.stdout();
    }

    /** A shell pipeline with this engine's environment (docker save | docker exec -i ...). */
    Shell.Result pipeline(long seconds, String script) {
        return Shell.run(environment(), seconds, List.of("/bin/sh", "-c", script));
    }

    Path dir() {
        return dir;
    }

    static Path find(String name) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"));
        return dirs.stream().filter(d -> !d.isBlank()).map(d -> Path.of(d, name)).filter(Files::isExecutable)
                .findFirst().orElse(null);
    }

    @Override
    public void close() throws Exception {
        dockerd.destroy(); // TERM: dockerd stops its containers and containerd itself
        if (!dockerd.waitFor(60, TimeUnit.SECONDS)) {
            dockerd.destroyForcibly();
            dockerd.waitFor(10, TimeUnit.SECONDS);
        }
        // dockerd bind-mounts its data root onto itself; an unclean stop leaves mounts (deepest first).
        String prefix = dir.toRealPath() + "/";
        List<String> mounts = Files.readAllLines(Path.of("/proc/self/mounts")).stream().map(l -> l.split(" ")[1])
                .filter(m -> m.startsWith(prefix)).sorted(java.util.Comparator.reverseOrder()).toList();
        for (String m : mounts) {
            new ProcessBuilder("umount", "-l", m).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.SECONDS);
        }
        Shell.deleteQuietly(dir);
    }
}
