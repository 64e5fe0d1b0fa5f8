package dev.sandboxagent.server.docker;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How the server gets a Docker engine. Docker's own state (images, containers) lives under {@code dataRoot}, which is
 * ephemeral sandbox state, never in the session store.
 *
 * @param mode auto: adopt an engine that answers on {@code socket}, else start dockerd if installed, else report it
 *             absent; on: the same, but the server does not start without a ready engine; off: no engine
 * @param dockerd the dockerd executable, or null to look for it on the usual paths
 * @param extraFlags appended to dockerd's command line
 */
public record DockerSettings(Mode mode, Path socket, Path dockerd, Path dataRoot, Path execRoot, Path pidFile,
                             List<String> extraFlags, Duration startTimeout, Duration stopGrace) {

    public static final Path DEFAULT_SOCKET = Path.of("/var/run/docker.sock");

    public enum Mode {
        AUTO, ON, OFF;

        /** {@code auto|on|off}, any case; anything else is refused with the accepted values. */
        public static Mode parse(String value, String source) {
            try {
                return Mode.valueOf(value.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + " must be auto, on or off, got '" + value + "'");
            }
        }

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public DockerSettings {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(socket, "socket");
        extraFlags = List.copyOf(extraFlags);
    }

    /** The engine at the system's usual places (a sandbox's own engine). */
    public static DockerSettings system(Mode mode) {
        return new DockerSettings(mode, DEFAULT_SOCKET, null, Path.of("/var/lib/docker"), Path.of("/var/run/docker"),
                Path.of("/var/run/docker.pid"), List.of(), Duration.ofSeconds(60), Duration.ofSeconds(20));
    }

    public static DockerSettings off() {
        return system(Mode.OFF);
    }

    /**
     * An engine whose socket, data, exec root and pidfile all live under {@code dir}, and which leaves the host's
     * networking alone (no bridge, no iptables rules): what tests and side-by-side engines use.
     */
    public static DockerSettings isolated(Mode mode, Path dir, Path dockerd) {
        return new DockerSettings(mode, dir.resolve("docker.sock"), dockerd, dir.resolve("data"), dir.resolve("exec"),
                dir.resolve("dockerd.pid"), List.of("--bridge=none", "--iptables=false"), Duration.ofSeconds(60),
                Duration.ofSeconds(20));
    }

    public DockerSettings withSocket(Path other) {
        return new DockerSettings(mode, other, dockerd, dataRoot, execRoot, pidFile, extraFlags, startTimeout,
                stopGrace);
    }

    public DockerSettings withDockerd(Path other) {
        return new DockerSettings(mode, socket, other, dataRoot, execRoot, pidFile, extraFlags, startTimeout,
                stopGrace);
    }

    /** Replaces the extra dockerd flags (e.g. {@code --storage-driver=vfs}, {@code --bip=...}). */
    public DockerSettings withExtraFlags(List<String> flags) {
        return new DockerSettings(mode, socket, dockerd, dataRoot, execRoot, pidFile, flags, startTimeout,
                stopGrace);
    }

    public DockerSettings withDataRoot(Path other) {
        return new DockerSettings(mode, socket, dockerd, other, execRoot, pidFile, extraFlags, startTimeout,
                stopGrace);
    }

    /** {@code unix:///path}, the form DOCKER_HOST takes. */
    public String dockerHost() {
        return "unix://" + socket.toAbsolutePath();
    }
}
