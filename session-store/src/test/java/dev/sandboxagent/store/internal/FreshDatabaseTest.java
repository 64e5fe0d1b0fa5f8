package dev.sandboxagent.store.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.store.SessionStore;
import dev.sandboxagent.store.StoreTesting;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new store's {@code sessions.db} is built whole under a temporary name and renamed into place (FreshDatabase,
 * docs/benchmarks.md "Server start, session 10"): what a crash in the middle of that leaves behind must neither be
 * taken for the store nor stay, and the file that results must be the store's usual one (WAL, current schema, 0600).
 */
class FreshDatabaseTest {
    @TempDir
    Path dataDir;

    @Test
    void aFreshStoreIsAWalDatabaseOfTheCurrentSchemaWithNothingLeftBeside() throws Exception {
        try (SessionStore store = SessionStore.openSqlite(dataDir)) {
            store.create(StoreTesting.spec("s"));
        }
        Path file = dataDir.resolve("sessions.db");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(dataDir.resolve("sessions.db.new")).doesNotExist();
        assertThat(dataDir.resolve("sessions.db.new-wal")).doesNotExist();
        assertThat(dataDir.resolve("sessions.db.new-journal")).doesNotExist();
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement statement = connection.createStatement()) {
            assertThat(single(statement, "PRAGMA journal_mode")).isEqualTo("wal");
            assertThat(single(statement, "PRAGMA user_version")).isEqualTo(Integer.toString(Schema.VERSION));
            assertThat(single(statement, "SELECT count(*) FROM sessions")).isEqualTo("1");
        }
    }

    @Test
    void whatACrashInTheMiddleOfTheBuildLeftIsRemovedAndTheStoreBuiltAnew() throws Exception {
        // A crash before the rename: sessions.db is the empty file the open made first, and the half-built
        // database sits under its temporary name with a journal of its own.
        Files.createDirectories(dataDir);
        Files.createFile(dataDir.resolve("sessions.db"));
        Files.writeString(dataDir.resolve("sessions.db.new"), "half a database");
        Files.writeString(dataDir.resolve("sessions.db.new-journal"), "half a journal");
        try (SessionStore store = SessionStore.openSqlite(dataDir)) {
            store.create(StoreTesting.spec("s"));
        }
        assertThat(dataDir.resolve("sessions.db.new")).doesNotExist();
        assertThat(dataDir.resolve("sessions.db.new-journal")).doesNotExist();
        try (SessionStore store = SessionStore.openSqlite(dataDir)) {
            assertThat(store.get("s")).isPresent();
        }
    }

    @Test
    void aStoreWithSessionsIsOpenedAsItIsNotBuiltAgain() throws Exception {
        try (SessionStore store = SessionStore.openSqlite(dataDir)) {
            store.create(StoreTesting.spec("kept"));
        }
        // Even with a temporary file beside it (a crash of some earlier build): the store is not empty, so it is
        // neither replaced nor touched; the leftover goes.
        Files.writeString(dataDir.resolve("sessions.db.new"), "left over");
        try (SessionStore store = SessionStore.openSqlite(dataDir)) {
            assertThat(store.get("kept")).isPresent();
        }
        assertThat(dataDir.resolve("sessions.db.new")).doesNotExist();
    }

    private static String single(Statement statement, String sql) throws Exception {
        try (ResultSet rs = statement.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
