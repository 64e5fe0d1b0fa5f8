package dev.sandboxagent.agents.pty;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The program's stdin as a pipe instead of the terminal, for protocols that refuse a tty on stdin (Claude Code's
 * stream-json input). The wrapper made a FIFO, holds it open read-write (so opening our write end never blocks),
 * waits for a go line on the terminal, and only then redirects the program's stdin to it. Once the program runs,
 * we hold the only write end: when it exits, a write fails with EPIPE instead of blocking.
 */
final class PipeInput implements AutoCloseable {
    private final FileChannel channel;
    private final String description;
    private final Object writeLock = new Object();
    private final ExecutorService writer;

    private PipeInput(FileChannel channel, String description, String threadName) {
        this.channel = channel;
        this.description = description;
        // One writer thread, in call order, that exists only while writes are queued: an idle program holds none.
        ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, threadName);
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        this.writer = pool;
    }

    /** Opens the write end (the wrapper removes the FIFO's name once it has opened the read end). */
    static PipeInput open(Path fifo, String description, String threadName) throws IOException {
        FileChannel channel = FileChannel.open(fifo, StandardOpenOption.WRITE);
        return new PipeInput(channel, description, threadName);
    }

    void write(byte[] bytes) throws IOException {
        synchronized (writeLock) {
            if (!channel.isOpen()) {
                throw new IOException("the stdin of " + description + " is closed");
            }
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }
    }

    CompletableFuture<Void> writeAsync(byte[] bytes) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            writer.execute(() -> {
                try {
                    write(bytes);
                    done.complete(null);
                } catch (IOException | RuntimeException e) {
                    done.completeExceptionally(e);
                }
            });
        } catch (RuntimeException e) {
            done.completeExceptionally(new IOException("the stdin of " + description + " is closed", e));
        }
        return done;
    }

    /** Closes our end: the program reads end-of-file. A write blocked on a full pipe fails. */
    @Override
    public void close() {
        writer.shutdown();
        try {
            channel.close();
        } catch (IOException e) {
            // nothing left to release
        }
    }
}
