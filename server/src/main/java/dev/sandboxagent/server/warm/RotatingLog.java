package dev.sandboxagent.server.warm;

import dev.sandboxagent.server.files.DataDirectory;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A process's output as lines in {@code <name>.log}, rotated to {@code <name>.log.1 .. .N} (1 newest) when the file
 * passes its size limit, so a chatty engine cannot fill the data directory. Followers get each line as it is
 * written. Thread-safe.
 */
public final class RotatingLog implements AutoCloseable {
    private final Path file;
    private final long maxBytes;
    private final int keep;
    private final List<Consumer<String>> followers = new CopyOnWriteArrayList<>();
    private OutputStream out;
    private long size;

    public RotatingLog(Path file, long maxBytes, int keep) {
        if (maxBytes < 1 || keep < 0) {
            throw new IllegalArgumentException("maxBytes must be positive and keep not negative");
        }
        this.file = file;
        this.maxBytes = maxBytes;
        this.keep = keep;
    }

    public Path file() {
        return file;
    }

    /** Appends one line (without its newline); rotates first if the line would pass the limit. */
    public void append(String line) {
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (this) {
            try {
                if (out == null) {
                    open();
                }
                if (size > 0 && size + bytes.length > maxBytes) {
                    rotate();
                }
                out.write(bytes);
                out.flush();
                size += bytes.length;
            } catch (IOException e) {
                // A full disk must not take the supervised process down with it; the line is lost.
                return;
            }
            // Under the lock, so that tailAndFollow sees each line exactly once: in the tail or as a follower.
            for (Consumer<String> follower : followers) {
                follower.accept(line);
            }
        }
    }

    /** The last {@code lines} lines, oldest first, across rotated files. */
    public List<String> tail(int lines) {
        Deque<String> result = new ArrayDeque<>();
        synchronized (this) {
            for (int i = 0; i <= keep && result.size() < lines; i++) {
                Path f = i == 0 ? file : rotated(i);
                if (!Files.exists(f)) {
                    if (i == 0) {
                        continue;
                    }
                    break;
                }
                List<String> content;
                try {
                    content = Files.readAllLines(f, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + f, e);
                }
                for (int j = content.size() - 1; j >= 0 && result.size() < lines; j--) {
                    result.addFirst(content.get(j));
                }
            }
        }
        return new ArrayList<>(result);
    }

    /** Calls {@code follower} with every line appended from now on, on the writer's thread: it must not block. */
    public Runnable follow(Consumer<String> follower) {
        followers.add(follower);
        return () -> followers.remove(follower);
    }

    /** A consistent start for a follower: the tail and the subscription, with no line lost or repeated between. */
    public synchronized Runnable tailAndFollow(int lines, Consumer<List<String>> tail, Consumer<String> follower) {
        tail.accept(tail(lines));
        return follow(follower);
    }

    Path rotated(int index) {
        return file.resolveSibling(file.getFileName() + "." + index);
    }

    private void open() throws IOException {
        // A process's output may hold anything it printed: 0600 in a 0700 directory, whatever the umask.
        DataDirectory.createPrivateDirectories(file.getParent());
        if (!Files.exists(file)) {
            try {
                Files.createFile(file, DataDirectory.privateFile());
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // someone created it between the check and now: append to it
            }
        }
        out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        size = Files.size(file);
    }

    private void rotate() throws IOException {
        out.close();
        if (keep == 0) {
            Files.deleteIfExists(file);
        } else {
            Files.deleteIfExists(rotated(keep));
            for (int i = keep - 1; i >= 1; i--) {
                if (Files.exists(rotated(i))) {
                    Files.move(rotated(i), rotated(i + 1), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.move(file, rotated(1), StandardCopyOption.REPLACE_EXISTING);
        }
        open();
    }

    @Override
    public synchronized void close() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException ignored) {
                // nothing left to do with it
            }
            out = null;
        }
    }
}
