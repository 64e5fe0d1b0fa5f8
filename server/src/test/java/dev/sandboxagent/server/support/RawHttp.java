package dev.sandboxagent.server.support;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 written byte by byte on a socket, for what a well-behaved client library refuses to send: a foreign
 * {@code Host}, control characters in headers, a broken chunk, raw bytes that are not UTF-8. One request per
 * connection ({@code Connection: close}); the answer is read to the end of the stream.
 */
public final class RawHttp {
    private final int port;
    private final int timeoutMillis;

    public RawHttp(int port) {
        this(port, 20_000);
    }

    /** @param timeoutMillis how long to wait for the server's answer (or close) before failing */
    public RawHttp(int port, int timeoutMillis) {
        this.port = port;
        this.timeoutMillis = timeoutMillis;
    }

    /** An answer as it came off the wire; {@code status} is -1 when the server closed without answering. */
    public record Answer(int status, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        public JsonNode json() {
            try {
                return Api.JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }

        @Override
        public String toString() {
            return status + " " + headers + " " + body;
        }
    }

    /** Sends the request head given line by line (CRLF added; Host and Connection added unless given), then body. */
    public Answer send(String requestLine, Map<String, String> headers, byte[] body) {
        StringBuilder head = new StringBuilder(requestLine).append("\r\n");
        Map<String, String> all = new LinkedHashMap<>();
        boolean hasHost = headers.keySet().stream().anyMatch(h -> h.equalsIgnoreCase("Host"));
        if (!hasHost) {
            all.put("Host", "127.0.0.1:" + port);
        }
        all.putAll(headers);
        all.putIfAbsent("Connection", "close");
        if (body != null && body.length > 0 && all.keySet().stream().noneMatch(h -> h.equalsIgnoreCase(
                "Content-Length") || h.equalsIgnoreCase("Transfer-Encoding"))) {
            all.put("Content-Length", Integer.toString(body.length));
        }
        all.forEach((name, value) -> {
            if (value != null) {
                head.append(name).append(": ").append(value).append("\r\n");
            }
        });
        head.append("\r\n");
        return exchange(head.toString().getBytes(StandardCharsets.ISO_8859_1), body);
    }

    /** Sends exactly these bytes. */
    public Answer exchange(byte[] head, byte[] body) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(timeoutMillis);
            try {
                socket.getOutputStream().write(head);
                if (body != null) {
                    socket.getOutputStream().write(body);
                }
                socket.getOutputStream().flush();
            } catch (IOException e) {
                // The server may answer and close before it has read everything (a body over the limit): read on.
            }
            return parse(readAll(socket.getInputStream(), timeoutMillis));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] readAll(InputStream in, int timeoutMillis) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            int n;
            while ((n = in.read(buffer)) > 0) {
                out.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server neither answered nor closed within " + timeoutMillis + " ms; got: "
                    + out.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // a reset after the answer: keep what arrived
        }
        return out.toByteArray();
    }

    private static Answer parse(byte[] raw) {
        String text = new String(raw, StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        if (text.isEmpty() || end < 0) {
            return new Answer(-1, Map.of(), text);
        }
        String[] lines = text.substring(0, end).split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).strip());
            }
        }
        return new Answer(Integer.parseInt(statusLine[1]), headers, text.substring(end + 4));
    }
}
