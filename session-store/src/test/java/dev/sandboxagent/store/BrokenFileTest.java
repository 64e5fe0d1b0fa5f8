package dev.sandboxagent.store;

import static dev.sandboxagent.store.StoreTesting.numbered;
import static dev.sandboxagent.store.StoreTesting.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandboxagent.store.internal.SqliteSessionStore;
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
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
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
    void damageBeyondTheSchemaIsFoundByTheBackgroundCheckAndStopsEveryWrite() throws Exception {
        Path file = dataDir.resolve("sessions.db");
        try (SessionStore store = SessionStore.openSqlite(dataDir)) {
            store.create(spec("s"));
            for (int batch = 0; batch < 20; batch++) {
                store.append("s", numbered("p", batch * 100, 100)).join();
            }
        }
        // The sessions table sits on the first pages; the events (and their index) fill the end of the file. Damage
        // the last pages: opening reads only the schema and the sessions, so it succeeds; only a full check finds it.
        int pageSize = 4096;
        long pages = Files.size(file) / pageSize;
        assertThat(pages).as("enough event pages to damage some").isGreaterThan(20);
        byte[] damage = "this is not a b-tree page ".repeat(pageSize).getBytes(StandardCharsets.US_ASCII);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(damage, 0, 3 * pageSize), (pages - 3) * pageSize);
        }

        try (SessionStore store = SessionStore.openSqlite(dataDir)) {
            Optional<String> found = ((SqliteSessionStore) store).integrityChecked().get(2, TimeUnit.MINUTES);

            assertThat(found).as("the background check's finding").isPresent();
            assertThat(store.corruption()).hasValueSatisfying(message -> assertThat(message)
                    .contains(file.toString())
                    .contains("not a valid SQLite database or is corrupt")
                    .contains("refuses writes"));
            assertThatThrownBy(() -> store.create(spec("t")))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("database file is corrupt");
            assertThatThrownBy(() -> store.append("s", numbered("q", 0, 1)).join())
                    .hasRootCauseInstanceOf(StoreException.class)
                    .hasMessageContaining("database file is corrupt");
            assertThatThrownBy(() -> store.appendEssential("s", numbered("q", 0, 1)).join())
                    .hasMessageContaining("database file is corrupt");
            assertThat(store.get("s")).as("reads go on").isPresent();
        }
    }

    @Test
    void anIntactStorePassesTheBackgroundCheckAndKeepsWriting() throws Exception {
        try (SessionStore store = SessionStore.openSqlite(dataDir)) {
            store.create(spec("s"));
            store.append("s", numbered("p", 0, 100)).join();
        }
        try (SessionStore store = SessionStore.openSqlite(dataDir)) {
            assertThat(((SqliteSessionStore) store).integrityChecked().get(2, TimeUnit.MINUTES)).isEmpty();
            assertThat(store.corruption()).isEmpty();
            store.append("s", numbered("p", 100, 1)).join();
            assertThat(store.read("s", 0, 1000)).hasSize(101);
        }
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
