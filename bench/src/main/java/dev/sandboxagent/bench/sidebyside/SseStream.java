package dev.sandboxagent.bench.sidebyside;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One server-sent-events connection on loopback, read by a thread of its own. A plain socket rather than
 * java.net.http: hundreds of them must be open at once, each must close promptly from another thread (closing the
 * socket ends a blocked read), and the client's own cost per event must stay small next to the server's.
 */
final class SseStream implements AutoCloseable {
    /** Called on the reader thread for each frame: its {@code id:} (-1 when none) and its {@code data:}. */
    interface Listener {
        void onEvent(long id, String data);
    }

    private final Socket socket;
    private final Thread reader;
    private volatile boolean closing;
    private volatile Throwable failure;

    /** Connects and reads the response head before returning, so the stream is open once this returns. */
    SseStream(int port, String pathAndQuery, Listener listener) throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        OutputStream out = socket.getOutputStream();
        out.write(("GET " + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        String status = readHeadLine(in);
        boolean chunked = false;
        for (String header = readHeadLine(in); !header.isEmpty(); header = readHeadLine(in)) {
            String lower = header.toLowerCase(Locale.ROOT);
            if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        if (!status.contains(" 200")) {
            socket.close();
            throw new IOException("GET " + pathAndQuery + " answered " + status);
        }
        InputStream body = chunked ? new ChunkedInputStream(in) : in;
        BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8), 64 * 1024);
        reader = new Thread(() -> read(lines, listener), "sse " + pathAndQuery);
        reader.setDaemon(true);
        reader.start();
    }

    /** What ended the stream other than {@link #close()}, or null. */
    Throwable failure() {
        return failure;
    }

    private void read(BufferedReader lines, Listener listener) {
        long id = -1;
        String data = null;
        try {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.isEmpty()) {
                    if (data != null) {
                        listener.onEvent(id, data);
                    }
                    id = -1;
                    data = null;
                } else if (line.startsWith("id:")) {
                    id = Long.parseLong(line.substring(3).trim());
                } else if (line.startsWith("data:")) {
                    String part = line.startsWith("data: ") ? line.substring(6) : line.substring(5);
                    data = data == null ? part : data + "\n" + part;
                }
            }
            if (!closing) {
                failure = new IOException("the server ended the stream");
            }
        } catch (IOException | RuntimeException | Error e) {
            // Error too (a class missing from a hand-made class path): the waiter must learn that this reader is gone
            if (!closing) {
                failure = e;
            }
        }
    }

    @Override
    public void close() {
        closing = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String readHeadLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed in the response head");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    /** HTTP/1.1 chunked transfer coding, decoded. */
    private static final class ChunkedInputStream extends InputStream {
        private final InputStream in;
        private long left;
        private boolean done;

        ChunkedInputStream(InputStream in) {
            this.in = in;
        }

        private boolean nextChunk() throws IOException {
            if (done) {
                return false;
            }
            if (left == 0) {
                String size = readHeadLine(in);
                if (size.isEmpty()) { // the CRLF that ends the previous chunk
                    size = readHeadLine(in);
                }
                int semicolon = size.indexOf(';');
                left = Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
                if (left == 0) {
                    done = true;
                    return false;
                }
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            if (!nextChunk()) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            if (!nextChunk()) {
                return -1;
            }
            int n = in.read(buffer, offset, (int) Math.min(length, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }
}
