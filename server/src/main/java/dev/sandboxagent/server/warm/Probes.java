package dev.sandboxagent.server.warm;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** The probes behind {@link ReadinessProbe}'s factories. */
final class Probes {
    private Probes() {
    }

    record Tcp(String host, int port) implements ReadinessProbe {
        @Override
        public Optional<String> check(Duration timeout) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, port), (int) Math.max(1, timeout.toMillis()));
                return Optional.empty();
            } catch (IOException e) {
                return Optional.of(describe() + ": " + e.getMessage());
            }
        }

        @Override
        public String describe() {
            return "tcp " + host + ":" + port;
        }
    }

    record Http(URI url) implements ReadinessProbe {
        private static final HttpClient CLIENT = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .build();

        @Override
        public Optional<String> check(Duration timeout) {
            try {
                HttpResponse<Void> response = CLIENT.send(HttpRequest.newBuilder(url).timeout(timeout).GET().build(),
                        HttpResponse.BodyHandlers.discarding());
                int status = response.statusCode();
                return status >= 200 && status < 400 ? Optional.empty()
                        : Optional.of(describe() + " answered " + status);
            } catch (IOException e) {
                return Optional.of(describe() + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.of(describe() + ": interrupted");
            }
        }

        @Override
        public String describe() {
            return "http " + url;
        }
    }

    record UnixSocketHttp(Path socket, String path) implements ReadinessProbe {
        @Override
        public Optional<String> check(Duration timeout) {
            try {
                UnixHttp.Answer answer = UnixHttp.get(socket, path, timeout);
                return answer.status() / 100 == 2 ? Optional.empty()
                        : Optional.of(describe() + " answered " + answer.status());
            } catch (IOException e) {
                return Optional.of(describe() + ": " + e.getMessage());
            }
        }

        @Override
        public String describe() {
            return "unix-socket http " + socket + " " + path;
        }
    }

    record Command(List<String> command) implements ReadinessProbe {
        @Override
        public Optional<String> check(Duration timeout) {
            Process process = null;
            try {
                process = new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    return Optional.of(describe() + ": no answer within " + timeout.toMillis() + " ms");
                }
                int code = process.exitValue();
                return code == 0 ? Optional.empty() : Optional.of(describe() + " exited " + code);
            } catch (IOException e) {
                return Optional.of(describe() + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.of(describe() + ": interrupted");
            } finally {
                if (process != null && process.isAlive()) {
                    process.destroyForcibly();
                }
            }
        }

        @Override
        public String describe() {
            return "command " + String.join(" ", command);
        }
    }

    record All(List<ReadinessProbe> probes) implements ReadinessProbe {
        @Override
        public Optional<String> check(Duration timeout) {
            for (ReadinessProbe probe : probes) {
                Optional<String> failure = probe.check(timeout);
                if (failure.isPresent()) {
                    return failure;
                }
            }
            return Optional.empty();
        }

        @Override
        public String describe() {
            return "all of " + probes.stream().map(ReadinessProbe::describe).toList();
        }
    }

    record Running() implements ReadinessProbe {
        @Override
        public Optional<String> check(Duration timeout) {
            return Optional.empty();
        }

        @Override
        public String describe() {
            return "running";
        }
    }
}
