package dev.sandboxagent.store;

import static dev.sandboxagent.store.StoreTesting.numbered;
import static dev.sandboxagent.store.StoreTesting.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A store that cannot be trusted is refused with a message naming the file, and never overwritten. */
class BrokenFileTest {
    @TempDir
    Path dataDir;

    @Test
    void aFileThatIsNotADatabaseIsRefusedAndLeftUntouched() throws IOException {
        Path file = dataDir.resolve("sessions.db");
        byte[] garbage = new byte[64 * 1024];
        new Random(42).nextBytes(garbage);
        Files.write(file, garbage);

        assertThatThrownBy(() -> SessionStore.openSqlite(dataDir))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("not a valid SQLite database or is corrupt")
                .hasMessageContaining("left untouched");

        assertThat(Files.readAllBytes(file)).isEqualTo(garbage);
    }

    @Test
    void aDatabaseWithDamagedPagesIsRefusedAndLeftUntouched() throws IOException {
        Path file = dataDir.resolve("sessions.db");
        try (SessionStore store = SessionStore.openSqlite(dataDir)) {
            for (int s = 0; s < 20; s++) {
                store.create(spec("session-" + s));
                store.append("session-" + s, numbered("p", 0, 50)).join();
            }
        }
        assertThat(dataDir.resolve("sessions.db-wal")).as("closing checkpoints the WAL into the file").doesNotExist();
        // Keep page 1 (header and schema) so SQLite opens the file, and overwrite the b-tree pages after it.
        int pageSize = 4096;
        byte[] damage = "this is not a b-tree page ".repeat(pageSize).getBytes(StandardCharsets.US_ASCII);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(damage, 0, 3 * pageSize), pageSize);
        }
        byte[] damaged = Files.readAllBytes(file);

        assertThatThrownBy(() -> SessionStore.openSqlite(dataDir))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("corrupt");

        assertThat(Arrays.equals(Files.readAllBytes(file), damaged)).as("file unchanged").isTrue();
    }

    @Test
    void aStoreWrittenByANewerSchemaIsRefused() throws Exception {
        SessionStore.openSqlite(dataDir).close();
        Path file = dataDir.resolve("sessions.db");
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA user_version = 99");
        }

        assertThatThrownBy(() -> SessionStore.openSqlite(dataDir))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("schema version 99");
    }

    @Test
    void aDataDirectoryInUseIsRefusedUntilItsStoreCloses() {
        SessionStore first = SessionStore.openSqlite(dataDir);
        first.create(spec("s"));

        assertThatThrownBy(() -> SessionStore.openSqlite(dataDir))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("in use by another session store");

        first.close();
        try (SessionStore second = SessionStore.openSqlite(dataDir)) {
            assertThat(second.get("s")).isPresent();
        }
    }

    @Test
    void theDataDirectoryIsCreatedWhenMissing() {
        Path nested = dataDir.resolve("a/b/c");

        try (SessionStore store = SessionStore.openSqlite(nested)) {
            store.create(spec("s"));
        }

        assertThat(nested.resolve("sessions.db")).isRegularFile();
    }
}
