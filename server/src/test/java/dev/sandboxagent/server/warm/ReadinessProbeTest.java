package dev.sandboxagent.server.warm;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadinessProbeTest {
    /**
     * The deadline of a check expected to get its answer (success or a clear failure): each comes at once when the
     * machine keeps up, so a long one costs nothing, while 2 s could pass before a loaded machine ran the probe's
     * process, thread or first HTTP client. The timeouts a test expects to expire are given on their own.
     */
    private static final Duration T = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void tcp() throws Exception {
        int port;
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            port = server.getLocalPort();
            assertThat(ReadinessProbe.tcp("127.0.0.1", port).check(T)).isEmpty();
        }
        assertThat(ReadinessProbe.tcp("127.0.0.1", port).check(T)).get().asString().startsWith("tcp 127.0.0.1:");
    }

    @Test
    void http() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/ok", x -> {
            x.sendResponseHeaders(200, -1);
            x.close();
        });
        server.createContext("/broken", x -> {
            x.sendResponseHeaders(503, -1);
            x.close();
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            assertThat(ReadinessProbe.http(URI.create(base + "/ok")).check(T)).isEmpty();
            assertThat(ReadinessProbe.http(URI.create(base + "/broken")).check(T)).get().asString()
                    .endsWith("answered 503");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void command() {
        assertThat(ReadinessProbe.command(List.of("true")).check(T)).isEmpty();
        assertThat(ReadinessProbe.command(List.of("sh", "-c", "exit 4")).check(T)).get().asString()
                .endsWith("exited 4");
        assertThat(ReadinessProbe.command(List.of("sleep", "10")).check(Duration.ofMillis(200))).get().asString()
                .contains("no answer within");
        assertThat(ReadinessProbe.all(List.of(ReadinessProbe.command(List.of("true")),
                ReadinessProbe.command(List.of("false")))).check(T)).get().asString().contains("false");
    }

    @Test
    void unixSocketHttpSpeaksHttpOverTheSocket() throws Exception {
        Path socket = dir.resolve("engine.sock");
        ReadinessProbe probe = ReadinessProbe.unixSocketHttp(socket, "/_ping");
        assertThat(probe.check(T)).as("nothing listens yet").isPresent();
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread answerer = new Thread(() -> {
                try (SocketChannel client = server.accept()) {
                    ByteBuffer in = ByteBuffer.allocate(4096);
                    String request = "";
                    while (!request.contains("\r\n\r\n") && client.read(in) >= 0) {
                        request = new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII);
                    }
                    String answer = request.startsWith("GET /_ping HTTP/1.0")
                            ? "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nOK" : "HTTP/1.0 404 Not Found\r\n\r\n";
                    client.write(ByteBuffer.wrap(answer.getBytes(StandardCharsets.US_ASCII)));
                } catch (Exception ignored) {
                    // the probe's verdict tells
                }
            });
            answerer.start();
            assertThat(probe.check(T)).isEmpty();
            answerer.join(5000);
        }
    }

    @Test
    void aSilentServerTimesOut() throws Exception {
        Path socket = dir.resolve("silent.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            long start = System.nanoTime();
            assertThat(ReadinessProbe.unixSocketHttp(socket, "/_ping").check(Duration.ofMillis(300))).isPresent();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        }
    }
}
