package dev.sandboxagent.client;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One HTTP/1.1 exchange over its own socket ({@code Connection: close}): what {@link HttpTransport} needs of HTTP
 * and no more. Bodies come back as Content-Length, chunked, or read-to-close; TLS only for https URLs.
 *
 * <p>Why not {@code java.net.http}: every {@code sandbox-agent api} command is a fresh JVM, and the JDK client's
 * first request cost 130-170 ms of CPU there (its class graph, a selector thread, a reactive body pipeline, and
 * 300 ms more at exit unless its selector thread was woken): a third of the command. A blocking socket costs a few
 * milliseconds. One connection per request is the price: on loopback, well under a millisecond.
 */
final class Http11 {
    /** Status line plus headers; a server that sends more is not one we talk to. */
    private static final int MAX_HEAD_BYTES = 64 * 1024;

    /** Where and how long: the connect timeout, and how long to wait for the answer's status line and headers. */
    record Target(URI uri, int connectTimeoutMillis, int headTimeoutMillis) {
    }

    /** An answer whose body is still on the wire; closing {@link #body()} closes the connection. */
    record Response(int status, Map<String, String> headers, InputStream body) {
        /** A header by its name in any case, or "" when absent. */
        String header(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
        }
    }

    /** The connection could not be made (refused, unreachable, unknown host, connect timeout). */
    static final class ConnectFailure extends IOException {
        private static final long serialVersionUID = 1L;

        ConnectFailure(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** No status line and headers within the head timeout. */
    static final class HeadTimeout extends IOException {
        private static final long serialVersionUID = 1L;

        HeadTimeout(SocketTimeoutException cause) {
            super("timed out waiting for the answer", cause);
        }
    }

    private Http11() {
    }

    /**
     * Sends the request and reads the status line and headers. The socket stays open for the body; afterwards reads
     * block without a time limit when {@code streaming}, else for at most the head timeout between two packets.
     */
    static Response exchange(Target target, String method, Map<String, String> headers, byte[] body,
                             boolean streaming) throws IOException {
        URI uri = target.uri();
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1)
                : uri.getHost();
        boolean tls = "https".equals(uri.getScheme());
        int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
        Socket socket = connect(host, port, tls, target.connectTimeoutMillis());
        try {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(target.headTimeoutMillis());
            OutputStream out = socket.getOutputStream();
            out.write(head(uri, method, headers, body).getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) {
                out.write(body);
            }
            out.flush();
            InputStream in = new BufferedInputStream(new SocketInput(socket), 16 * 1024);
            int status;
            Map<String, String> responseHeaders;
            try {
                do {
                    status = statusCode(readLine(in, new int[] {MAX_HEAD_BYTES}));
                    responseHeaders = readHeaders(in);
                } while (status / 100 == 1); // 100 Continue and friends: the real answer follows
            } catch (SocketTimeoutException e) {
                throw new HeadTimeout(e);
            }
            socket.setSoTimeout(streaming ? 0 : target.headTimeoutMillis());
            return new Response(status, responseHeaders, body(in, method, status, responseHeaders));
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private static Socket connect(String host, int port, boolean tls, int timeoutMillis) throws IOException {
        Socket socket = new Socket();
        try {
            // An unresolvable name makes an unresolved address, which connect() rejects with UnknownHostException.
            socket.connect(new InetSocketAddress(host, port), timeoutMillis);
        } catch (IOException e) {
            socket.close();
            throw new ConnectFailure(e);
        }
        if (!tls) {
            return socket;
        }
        try {
            SSLSocket secure = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault())
                    .createSocket(socket, host, port, true);
            SSLParameters parameters = secure.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS"); // check the certificate names this host
            secure.setSSLParameters(parameters);
            secure.setSoTimeout(timeoutMillis);
            secure.startHandshake();
            return secure;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private static String head(URI uri, String method, Map<String, String> headers, byte[] body) {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        StringBuilder head = new StringBuilder(256).append(method).append(' ').append(path);
        if (uri.getRawQuery() != null) {
            head.append('?').append(uri.getRawQuery());
        }
        // The host as the URL spells it (brackets kept for IPv6), and the port only when the URL gives one; never
        // the user-info part of the authority, which is not the server's name.
        head.append(" HTTP/1.1\r\nHost: ").append(uri.getHost());
        if (uri.getPort() > 0) {
            head.append(':').append(uri.getPort());
        }
        head.append("\r\n");
        for (Map.Entry<String, String> header : headers.entrySet()) {
            checkHeader(header.getKey(), header.getValue());
            head.append(header.getKey()).append(": ").append(header.getValue()).append("\r\n");
        }
        if (body != null) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        return head.append("Connection: close\r\n\r\n").toString();
    }

    /** A CR or LF in a header would let a value (an id, a token) inject headers of its own. */
    private static void checkHeader(String name, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c > 0xff) {
                throw new IllegalArgumentException("the " + name + " header has a character HTTP cannot carry");
            }
        }
    }

    private static int statusCode(String line) throws IOException {
        // "HTTP/1.1 200 OK": the code is the second word; the reason phrase is optional.
        if (!line.startsWith("HTTP/1.") || line.length() < 12 || line.charAt(8) != ' ') {
            throw new IOException("not an HTTP/1.1 answer: " + abbreviate(line));
        }
        try {
            return Integer.parseInt(line.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new IOException("not an HTTP/1.1 status line: " + abbreviate(line), e);
        }
    }

    private static Map<String, String> readHeaders(InputStream in) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        int[] budget = {MAX_HEAD_BYTES};
        String line;
        while (!(line = readLine(in, budget)).isEmpty()) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("a malformed header line: " + abbreviate(line));
            }
            String name = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).strip();
            String earlier = headers.get(name); // merged by hand: no lambda on every request's path
            headers.put(name, earlier == null ? value : earlier + ", " + value);
        }
        return headers;
    }

    private static InputStream body(InputStream in, String method, int status, Map<String, String> headers)
            throws IOException {
        if ("HEAD".equals(method) || status == 204 || status == 304) {
            return new LengthInput(in, 0);
        }
        String encoding = headers.getOrDefault("transfer-encoding", "");
        if (!encoding.isEmpty()) {
            if (!encoding.toLowerCase(Locale.ROOT).endsWith("chunked")) {
                throw new IOException("unsupported Transfer-Encoding: " + encoding);
            }
            return new ChunkedInput(in);
        }
        String length = headers.get("content-length");
        if (length != null) {
            try {
                long bytes = Long.parseLong(length);
                if (bytes < 0) {
                    throw new NumberFormatException();
                }
                return new LengthInput(in, bytes);
            } catch (NumberFormatException e) {
                throw new IOException("a malformed Content-Length: " + abbreviate(length), e);
            }
        }
        return in; // neither: the body runs until the server closes the connection
    }

    /** A CRLF- (or LF-) terminated line of ISO-8859-1, counted against the head's byte budget. */
    private static String readLine(InputStream in, int[] budget) throws IOException {
        StringBuilder line = new StringBuilder(64);
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the server closed the connection before the end of the answer's head");
            }
            if (--budget[0] < 0) {
                throw new IOException("the answer's headers are larger than " + MAX_HEAD_BYTES + " bytes");
            }
            if (b == '\n') {
                int end = line.length();
                return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
            }
            line.append((char) b);
        }
    }

    private static String abbreviate(String text) {
        return text.length() > 80 ? text.substring(0, 80) + "..." : text;
    }

    /** Reads everything that is left of a body as UTF-8. */
    static String readAll(InputStream body) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        body.transferTo(bytes);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /**
     * The socket's input, closing the whole socket on close: closing an SSE body from another thread must wake the
     * reader blocked in it, which closing the socket does.
     */
    private static final class SocketInput extends InputStream {
        private final Socket socket;
        private final InputStream in;

        SocketInput(Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
        }

        @Override
        public int read() throws IOException {
            return in.read();
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            return in.read(buffer, offset, length);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /**
     * A body framed on the connection's input: subclasses say where it ends in {@link #read(byte[], int, int)};
     * a single byte is read through it, and closing the body closes the input under it.
     */
    private abstract static class FramedInput extends InputStream {
        final InputStream in;

        FramedInput(InputStream in) {
            this.in = in;
        }

        @Override
        public final int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public abstract int read(byte[] buffer, int offset, int length) throws IOException;

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** A body of known length; ending early is an error, not a short body. */
    private static final class LengthInput extends FramedInput {
        private long remaining;

        LengthInput(InputStream in, long length) {
            super(in);
            this.remaining = length;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (remaining == 0) {
                return -1;
            }
            int n = in.read(buffer, offset, (int) Math.min(length, remaining));
            if (n < 0) {
                throw new EOFException("the server closed the connection " + remaining
                        + " bytes before the end of the answer");
            }
            remaining -= n;
            return n;
        }
    }

    /** {@code Transfer-Encoding: chunked}: hex size, CRLF, data, CRLF, ..., a zero-size chunk, trailers. */
    private static final class ChunkedInput extends FramedInput {
        private long left; // of the current chunk
        private boolean done;

        ChunkedInput(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            if (left == 0 && !nextChunk()) {
                return -1;
            }
            int n = in.read(buffer, offset, (int) Math.min(length, left));
            if (n < 0) {
                throw new EOFException("the server closed the connection in the middle of a chunk");
            }
            left -= n;
            if (left == 0) {
                expectLineEnd();
            }
            return n;
        }

        @Override
        public int available() throws IOException {
            return done ? 0 : (int) Math.min(left, in.available());
        }

        private boolean nextChunk() throws IOException {
            if (done) {
                return false;
            }
            String line = readLine(in, new int[] {MAX_HEAD_BYTES});
            int extension = line.indexOf(';');
            String size = (extension < 0 ? line : line.substring(0, extension)).strip();
            try {
                left = Long.parseLong(size, 16);
            } catch (NumberFormatException e) {
                throw new IOException("a malformed chunk size: " + abbreviate(line), e);
            }
            if (left < 0) {
                throw new IOException("a malformed chunk size: " + abbreviate(line));
            }
            if (left == 0) {
                int[] budget = {MAX_HEAD_BYTES};
                while (!readLine(in, budget).isEmpty()) {
                    // trailers: nothing this client uses
                }
                done = true;
                return false;
            }
            return true;
        }

        private void expectLineEnd() throws IOException {
            if (!readLine(in, new int[] {2}).isEmpty()) {
                throw new IOException("a chunk is longer than its size says");
            }
        }
    }
}
