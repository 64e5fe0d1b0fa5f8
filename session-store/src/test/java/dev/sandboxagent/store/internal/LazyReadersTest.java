package dev.sandboxagent.store.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.store.SessionStore;
import dev.sandboxagent.store.StoreTesting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's read connections are made by its first read, not by its open (a server start reads nothing through
 * them: docs/benchmarks.md "Server start, session 9"), and reads then work as before.
 */
class LazyReadersTest {
    @TempDir
    Path dataDir;

    @Test
    void theReadConnectionsAreMadeByTheFirstRead() throws Exception {
        try (SessionStore store = SessionStore.openSqlite(dataDir)) {
            store.create(StoreTesting.spec("s")); // a write: the writer's connection only
            long atOpen = openDescriptorsOf(dataDir.resolve("sessions.db"));
            assertThat(store.get("s")).isPresent();
            long afterARead = openDescriptorsOf(dataDir.resolve("sessions.db"));
            // Each SQLite connection holds the database file open. The integrity check's connection may close
            // between the two counts, which only lowers the second: more descriptors after the read means the
            // read connected readers that the open had not.
            assertThat(afterARead).as("descriptors of sessions.db at open: %d", atOpen).isGreaterThan(atOpen);
            assertThat(store.list()).hasSize(1);
        }
    }

    /** How many of this process's file descriptors are open on {@code file} (Linux /proc). */
    private static long openDescriptorsOf(Path file) throws IOException {
        Path real = file.toRealPath();
        try (Stream<Path> descriptors = Files.list(Path.of("/proc/self/fd"))) {
            return descriptors.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(real);
                } catch (IOException gone) { // the listing's own descriptor, or one closed meanwhile
                    return false;
                }
            }).count();
        }
    }
}
