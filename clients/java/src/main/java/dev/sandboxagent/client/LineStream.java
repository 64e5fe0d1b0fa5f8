package dev.sandboxagent.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A followed log: each {@code data:} frame of the server's stream is one line, handed to the consumer on a daemon
 * thread. Not resumed when the connection drops (log lines have no ids); {@link #completion()} then completes.
 */
public final class LineStream implements AutoCloseable {
    private final InputStream body;
    private final CompletableFuture<Void> completion = new CompletableFuture<>();

    private LineStream(InputStream body) {
        this.body = body;
    }

    static LineStream open(HttpTransport transport, HttpTransport.Request request,
                           Consumer<String> consumer) {
        LineStream stream = new LineStream(transport.openStream(request));
        Thread reader = new Thread(() -> stream.read(consumer), "sandbox-agent-log");
        reader.setDaemon(true);
        reader.start();
        return stream;
    }

    private void read(Consumer<String> consumer) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("data: ")) {
                    consumer.accept(line.substring(6));
                } else if (line.startsWith("data:")) {
                    consumer.accept(line.substring(5));
                }
            }
            completion.complete(null);
        } catch (IOException | RuntimeException e) {
            completion.complete(null); // closed by us, or the server went away: either way the follow is over
        }
    }

    /** Completes when the stream ends. */
    public CompletableFuture<Void> completion() {
        return completion;
    }

    @Override
    public void close() {
        try {
            body.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
