package dev.sandboxagent.server.warm;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Answers "is the process ready to serve?" once. Probes are cheap and bounded by the timeout they are given; the
 * supervisor decides how often to ask and what a failure means.
 */
public interface ReadinessProbe {

    /** Checks once, within {@code timeout}. Empty when ready, else a one-line reason. */
    Optional<String> check(Duration timeout);

    /** For logs and the API, e.g. {@code tcp 127.0.0.1:8080}. */
    String describe();

    /** Ready when a TCP connection to the port is accepted. */
    static ReadinessProbe tcp(String host, int port) {
        return new Probes.Tcp(host, port);
    }

    /** Ready when a GET of the URL answers 2xx or 3xx. */
    static ReadinessProbe http(URI url) {
        return new Probes.Http(url);
    }

    /** Ready when a GET of {@code path} over the unix socket answers 2xx (dockerd's {@code /_ping}). */
    static ReadinessProbe unixSocketHttp(Path socket, String path) {
        return new Probes.UnixSocketHttp(socket, path);
    }

    /** Ready when the command exits 0 within the timeout. */
    static ReadinessProbe command(List<String> command) {
        return new Probes.Command(List.copyOf(command));
    }

    /** Ready when every probe is; reports the first that is not. */
    static ReadinessProbe all(List<ReadinessProbe> probes) {
        return new Probes.All(List.copyOf(probes));
    }

    /** Ready as soon as the process runs (for processes nothing can be asked of). */
    static ReadinessProbe running() {
        return new Probes.Running();
    }
}
