package dev.sandboxagent.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The socket transport's edges, against a loopback server that writes exactly the bytes a test scripts: framings
 * the JDK's HttpServer in {@link FakeServer} never produces (chunk extensions, trailers, a 100 Continue, a body cut
 * short, an answer that stops midway).
 */
class Http11Test {
    private static final String SESSION = "{\"sessionId\":\"s1\",\"agent\":\"mock\",\"ended\":false,"
            + "\"eventCount\":3,\"createdAt\":1,\"updatedAt\":2,\"state\":\"active\"}";

    @Test
    void readsAChunkedBodyWithExtensionsAndTrailers() throws Exception {
        String body = "{\"sessions\":[" + SESSION + "]}";
        String chunked = "7;name=value\r\n" + body.substring(0, 7) + "\r\n"
                + chunk(body.substring(7, 30)) + chunk(body.substring(30))
                + "0\r\nX-Trailer: ignored\r\n\r\n";
        try (ScriptedServer server = new ScriptedServer(out -> {
            out.write(ascii("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + chunked));
        })) {
            List<SessionInfo> sessions = server.client(Duration.ofSeconds(10)).listSessions();
            assertThat(sessions).singleElement().satisfies(s -> assertThat(s.eventCount()).isEqualTo(3));
            assertThat(server.requests.get(0)).startsWith("GET /v1/sessions HTTP/1.1\r\n")
                    .contains("\r\nHost: 127.0.0.1:" + server.port() + "\r\n");
        }
    }

    @Test
    void aBodyLargerThanTheReadBufferArrivesWhole() throws Exception {
        // ~2 MB of sessions, far beyond the 16 KiB buffer; once with Content-Length, once chunked in odd sizes.
        StringBuilder json = new StringBuilder("{\"sessions\":[");
        for (int i = 0; i < 10_000; i++) {
            json.append(i == 0 ? "" : ",").append(SESSION.replace("\"s1\"", "\"s" + i + "\""));
        }
        byte[] body = json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream chunks = new ByteArrayOutputStream();
        for (int at = 0; at < body.length; at += 7_919) {
            int size = Math.min(7_919, body.length - at);
            chunks.write(ascii(Integer.toHexString(size) + "\r\n"));
            chunks.write(body, at, size);
            chunks.write(ascii("\r\n"));
        }
        chunks.write(ascii("0\r\n\r\n"));
        List<byte[]> answers = List.of(
                concat(ascii("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                        + "\r\n\r\n"), body),
                concat(ascii("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked"
                        + "\r\n\r\n"), chunks.toByteArray()));
        for (byte[] answer : answers) {
            try (ScriptedServer server = new ScriptedServer(out -> out.write(answer))) {
                List<SessionInfo> sessions = server.client(Duration.ofSeconds(30)).listSessions();
                assertThat(sessions).hasSize(10_000);
                assertThat(sessions.get(9_999).sessionId()).isEqualTo("s9999");
            }
        }
    }

    @Test
    void aProblemInAChunkedFourHundredIsTheServersProblem() throws Exception {
        String problem = "{\"type\":\"urn:sandbox-agent:error:session_not_found\",\"title\":\"Not found\","
                + "\"status\":404,\"detail\":\"no session 'x'\",\"sessionId\":\"x\"}";
        try (ScriptedServer server = new ScriptedServer(out -> out.write(ascii(
                "HTTP/1.1 404 Not Found\r\ncontent-type: application/problem+json\r\ntransfer-encoding: chunked"
                        + "\r\n\r\n" + chunk(problem) + "0\r\n\r\n")))) {
            assertThatThrownBy(() -> server.client(Duration.ofSeconds(10)).getSession("x"))
                    .isInstanceOfSatisfying(SandboxAgentException.class, e -> {
                        assertThat(e.status()).isEqualTo(404);
                        assertThat(e.kind()).isEqualTo("session_not_found");
                        assertThat(e.problem().extension("sessionId").asText()).isEqualTo("x");
                    })
                    .hasMessage("no session 'x' (404)");
        }
    }

    @Test
    void aHundredContinueBeforeTheAnswerIsSkipped() throws Exception {
        try (ScriptedServer server = new ScriptedServer(out -> out.write(ascii(
                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 45\r\n\r\n{\"status\":\"ok\",\"version\":\"1.2\",\"uptimeMs\":12}")))) {
            assertThat(server.client(Duration.ofSeconds(10)).health()).isEqualTo(new Health("ok", "1.2", 12));
        }
    }

    @Test
    void anAnswerWhoseHeadNeverComesTimesOutWithTheRequestTimeout() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (ScriptedServer server = new ScriptedServer(out -> {
            out.write(ascii("HTTP/1.1 200 OK\r\nContent-Type: appli")); // then nothing
            out.flush();
            await(release);
        })) {
            assertThatThrownBy(() -> server.client(Duration.ofMillis(300)).health())
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageStartingWith("no answer from " + server.url() + " within");
        } finally {
            release.countDown();
        }
    }

    @Test
    void aBodyCutShortByTheServerIsALostConnectionNotAShortAnswer() throws Exception {
        try (ScriptedServer server = new ScriptedServer(out -> out.write(ascii(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"status\":")))) {
            assertThatThrownBy(() -> server.client(Duration.ofSeconds(10)).health())
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageStartingWith("lost the connection to " + server.url())
                    .hasMessageContaining("90 bytes before the end");
        }
    }

    @Test
    void aBodyThatStallsMidwayTimesOut() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (ScriptedServer server = new ScriptedServer(out -> {
            out.write(ascii("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + chunk("{\"status\":")));
            out.flush();
            await(release);
        })) {
            assertThatThrownBy(() -> server.client(Duration.ofMillis(300)).health())
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageStartingWith("no answer from " + server.url() + " within");
        } finally {
            release.countDown();
        }
    }

    @Test
    void anEventStreamDeliversEachEventWhileTheAnswerIsStillOpen() throws Exception {
        CountDownLatch seen = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (ScriptedServer server = new ScriptedServer(out -> {
            out.write(ascii("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + chunk(": heartbeat\n\n") + chunk("id: 1\ndata: {\"sequence\":1,\"type\":\"turn.started\","
                    + "\"data\":{\"turn_id\":\"t1\"}}\n\n")));
            out.flush();
            await(release); // the stream stays open: the event must not wait for its end
        })) {
            List<String> types = new CopyOnWriteArrayList<>();
            // The request timeout still bounds the wait for the answer's head, so it is not made tiny: 300 ms was a
            // head a loaded machine could miss (a first class load from the jar alone was seen to take 535 ms).
            try (EventStream stream = server.client(Duration.ofSeconds(2)).streamEvents("s1", 0, e -> {
                types.add(e.type());
                seen.countDown();
            })) {
                assertThat(seen.await(10, TimeUnit.SECONDS)).isTrue();
                assertThat(types).containsExactly("turn.started");
                // a stream is not bound by the request timeout (2 s here): it is still open well after it
                Thread.sleep(4_000);
                assertThat(stream.isOpen()).isTrue();
            }
            assertThat(server.requests.get(0)).startsWith("GET /v1/sessions/s1/events/sse HTTP/1.1\r\n")
                    .contains("\r\nAccept: text/event-stream\r\n").contains("\r\nLast-Event-ID: 0\r\n");
        } finally {
            release.countDown();
        }
    }

    @Test
    void aPostCarriesItsLengthAndAHeaderCannotSmuggleInAnother() throws Exception {
        try (ScriptedServer server = new ScriptedServer(out -> out.write(ascii(
                "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 19\r\n\r\n"
                        + "{\"turnId\":\"turn_1\"}")))) {
            SandboxAgentClient client = server.client(Duration.ofSeconds(10));
            assertThatThrownBy(() -> client.sendMessage("s1", "hi", "key\r\nX-Evil: 1"))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(server.requests).isEmpty();
        }
    }

    @Test
    void theHostHeaderNamesHostAndPortOnlyNeverTheUserInfo() throws Exception {
        try (ScriptedServer server = new ScriptedServer(out -> out.write(ascii(
                "HTTP/1.1 204 No Content\r\n\r\n")))) {
            URI withUser = URI.create("http://someone:secret@127.0.0.1:" + server.port());
            SandboxAgentClient.builder().baseUrl(withUser).build().deleteSession("s1");
            assertThat(server.requests.get(0)).startsWith("DELETE /v1/sessions/s1 HTTP/1.1\r\n")
                    .contains("\r\nHost: 127.0.0.1:" + server.port() + "\r\n").doesNotContain("secret");
        }
    }

    /**
     * An https URL speaks TLS and checks the server's certificate against the JDK's trust store: a self-signed one
     * (made here with the JDK's keytool) is refused, so the socket transport trusts nothing it should not.
     */
    @Test
    void anHttpsUrlSpeaksTlsAndRefusesAnUntrustedCertificate(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        java.nio.file.Path keystore = tmp.resolve("server.p12");
        String keytool = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process gen = new ProcessBuilder(keytool, "-genkeypair", "-alias", "s", "-keyalg", "EC", "-dname",
                "CN=localhost", "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", "changeit").redirectErrorStream(true).start();
        assertThat(gen.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(gen.exitValue()).as(new String(gen.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .isZero();
        java.security.KeyStore keys = java.security.KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(keystore)) {
            keys.load(in, "changeit".toCharArray());
        }
        javax.net.ssl.KeyManagerFactory managers = javax.net.ssl.KeyManagerFactory.getInstance(
                javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        managers.init(keys, "changeit".toCharArray());
        javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
        tls.init(managers.getKeyManagers(), null, null);
        List<String> handshakes = new CopyOnWriteArrayList<>();
        try (javax.net.ssl.SSLServerSocket server = (javax.net.ssl.SSLServerSocket) tls.getServerSocketFactory()
                .createServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try (javax.net.ssl.SSLSocket connection = (javax.net.ssl.SSLSocket) server.accept()) {
                    connection.startHandshake();
                    handshakes.add("completed");
                } catch (IOException e) {
                    handshakes.add("failed: " + e.getMessage()); // the client hung up on our certificate
                }
            }, "tls-server");
            acceptor.setDaemon(true);
            acceptor.start();
            URI url = URI.create("https://127.0.0.1:" + server.getLocalPort());
            SandboxAgentClient client = SandboxAgentClient.builder().baseUrl(url)
                    .requestTimeout(Duration.ofSeconds(10)).build();
            assertThatThrownBy(client::health)
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageStartingWith("lost the connection to " + url + ": ")
                    .hasMessageContaining("PKIX");
            acceptor.join(10_000);
            assertThat(handshakes).singleElement().asString().startsWith("failed");
        }
    }

    // ---- a server that answers every connection with the script's bytes, then closes it

    @FunctionalInterface
    interface Script {
        void answer(OutputStream out) throws IOException;
    }

    private static final class ScriptedServer implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        final List<String> requests = new CopyOnWriteArrayList<>();
        private final List<Socket> open = new ArrayList<>();
        private final Thread acceptor;

        ScriptedServer(Script script) throws IOException {
            acceptor = new Thread(() -> {
                while (!socket.isClosed()) {
                    try (Socket connection = socket.accept()) {
                        synchronized (open) {
                            open.add(connection);
                        }
                        requests.add(readRequest(connection.getInputStream()));
                        OutputStream out = connection.getOutputStream();
                        script.answer(out);
                        out.flush();
                    } catch (IOException e) {
                        // closed by the test, or the client went away: next connection
                    }
                }
            }, "scripted-server");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + port());
        }

        SandboxAgentClient client(Duration requestTimeout) {
            return SandboxAgentClient.builder().baseUrl(url()).requestTimeout(requestTimeout)
                    .reconnectWindow(Duration.ZERO).build();
        }

        /** The request's head and body (by its Content-Length), as text. */
        private static String readRequest(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("the client closed before the end of its request");
                }
                head.write(b);
            }
            String text = head.toString(StandardCharsets.ISO_8859_1);
            int at = text.toLowerCase(java.util.Locale.ROOT).indexOf("\r\ncontent-length: ");
            if (at >= 0) {
                int length = Integer.parseInt(text.substring(at + 18, text.indexOf("\r\n", at + 2)).strip());
                text += new String(in.readNBytes(length), StandardCharsets.UTF_8);
            }
            return text;
        }

        @Override
        public void close() throws IOException {
            socket.close();
            synchronized (open) {
                for (Socket connection : open) {
                    connection.close();
                }
            }
        }
    }

    private static String chunk(String data) {
        return Integer.toHexString(data.getBytes(StandardCharsets.UTF_8).length) + "\r\n" + data + "\r\n";
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = new byte[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
