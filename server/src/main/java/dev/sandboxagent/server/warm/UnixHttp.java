package dev.sandboxagent.server.warm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A GET over a unix-domain socket. The JDK's HTTP client cannot dial unix sockets, so this writes a raw HTTP/1.0
 * request: 1.0 makes the server close the connection after the answer and never use chunked encoding, so reading
 * to end-of-stream is the whole answer.
 */
public final class UnixHttp {
    private static final int MAX_ANSWER = 1024 * 1024;
    // Blocking channels have no read timeout; a watchdog closes the channel instead (a hung engine must not hang us).
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "unix-http-watchdog");
        t.setDaemon(true);
        return t;
    });

    private UnixHttp() {
    }

    public record Answer(int status, String body) {
    }

    public static Answer get(Path socket, String path, Duration timeout) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ScheduledFuture<?> watchdog = WATCHDOG.schedule(() -> {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // closing is all we wanted
                }
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
                String request = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\nUser-Agent: sandbox-agent\r\n\r\n";
                ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
                while (out.hasRemaining()) {
                    channel.write(out);
                }
                ByteArrayOutputStream answer = new ByteArrayOutputStream();
                ByteBuffer in = ByteBuffer.allocate(8192);
                while (channel.read(in) >= 0) {
                    answer.write(in.array(), 0, in.position());
                    in.clear();
                    if (answer.size() > MAX_ANSWER) {
                        throw new IOException("answer over " + MAX_ANSWER + " bytes");
                    }
                }
                return parse(answer.toString(StandardCharsets.UTF_8));
            } catch (java.nio.channels.AsynchronousCloseException e) {
                throw new IOException("no answer within " + timeout.toMillis() + " ms", e);
            } finally {
                watchdog.cancel(false);
            }
        }
    }

    static Answer parse(String raw) throws IOException {
        int lineEnd = raw.indexOf("\r\n");
        String statusLine = lineEnd < 0 ? raw : raw.substring(0, lineEnd);
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            throw new IOException("not an HTTP answer: '" + (statusLine.length() > 60 ? statusLine.substring(0, 60)
                    : statusLine) + "'");
        }
        int status;
        try {
            status = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("bad HTTP status line: " + statusLine, e);
        }
        int bodyStart = raw.indexOf("\r\n\r\n");
        return new Answer(status, bodyStart < 0 ? "" : raw.substring(bodyStart + 4));
    }
}
