package dev.sandboxagent.store.internal;

import static dev.sandboxagent.store.StoreTesting.awaitUntil;
import static dev.sandboxagent.store.StoreTesting.bulky;
import static dev.sandboxagent.store.StoreTesting.numbered;
import static dev.sandboxagent.store.StoreTesting.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.store.EventDraft;
import dev.sandboxagent.store.SessionStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WAL's pages reach the database file on the {@link Checkpointer}'s thread, not inside the writer's commits, and
 * the WAL stays bounded under a stream that never pauses.
 */
class CheckpointPolicyTest {
    @TempDir
    Path dataDir;
    @TempDir
    Path copies;

    /**
     * A few events fill far fewer than the 1,000 pages at which SQLite's own automatic checkpoint would run, so
     * without a checkpoint of its own the store left them in the WAL alone until the next 1,000 pages came: the
     * WAL is what a commit without a sync of its own loses in a power cut. The checkpointer copies them into the
     * database file (syncing the WAL first and the file after) without any further write.
     */
    @Test
    void committedEventsReachTheDatabaseFileWithoutFurtherWrites() {
        try (SessionStore store = SessionStore.openSqlite(dataDir)) {
            store.create(spec("s"));
            store.append("s", numbered("p", 0, 50)).join();
            // Polls a copy of the database file alone (no WAL): what it holds is what the checkpoints put there.
            awaitUntil("the 50 events in the database file itself",
                    () -> eventsInDatabaseFileAlone() == 50, this::eventsInDatabaseFileAlone);
        }
    }

    /**
     * Under appends that never pause, the checkpointer's copy rarely ends between two commits, and SQLite starts a
     * WAL over only when a transaction begins with every frame copied: without the writer's catch-up the WAL grew
     * with everything written. Writes ~96 MB, six times the checkpointer's limit, and requires the WAL never to have
     * held half of it.
     */
    @Test
    void theWalStaysBoundedUnderAStreamThatNeverPauses() {
        Path wal = dataDir.resolve("sessions.db-wal");
        AtomicLong largestWal = new AtomicLong();
        int events = 48_000;
        try (SessionStore store = SessionStore.openSqlite(dataDir)) {
            store.create(spec("s"));
            store.onCommit(batch -> largestWal.accumulateAndGet(sizeOf(wal), Math::max));
            CompletableFuture<?> last = null;
            for (int i = 0; i < events; i += 100) {
                List<EventDraft> drafts = new ArrayList<>(Collections.nCopies(100, bulky(2_000)));
                last = store.append("s", drafts);
            }
            last.join();
        }
        long written = events * 2_000L;
        assertThat(largestWal.get()).as("largest WAL while %d bytes of events were written", written)
                .isGreaterThan(0).isLessThan(written / 2);
    }

    /**
     * What each connection syncs (docs/benchmarks.md, "Latency, session 11"). SQLite syncs a restarted WAL's new
     * header with the flags of the connection that commits first after the restart, always the writer's: at
     * {@code synchronous=OFF} it would not, and a power cut soon after a restart could bring back the previous
     * round's frames, older than the database already holds (corruption, not only lost commits). At {@code FULL} it
     * would sync every commit. So the writer runs at NORMAL (1), and the checkpointer, whose checkpoints sync the WAL
     * before copying and the database file after, at NORMAL or above.
     */
    @Test
    void theWriterSyncsNoCommitButARestartedWalsHeaderAndTheCheckpointerSyncsItsCopies() throws SQLException {
        Path file = dataDir.resolve("sessions.db");
        Connection writer = StoreDatabase.openWriter(file);
        Connection checkpointer = StoreDatabase.openCheckpointer(file);
        try {
            assertThat(synchronous(writer)).as("the writer's PRAGMA synchronous").isEqualTo(1);
            assertThat(synchronous(checkpointer)).as("the checkpointer's PRAGMA synchronous").isGreaterThanOrEqualTo(1);
        } finally {
            StoreDatabase.closeQuietly(checkpointer);
            StoreDatabase.closeQuietly(writer);
        }
    }

    /**
     * A WAL that starts over is truncated to the writer's bound, not below it (docs/benchmarks.md, "Latency, session
     * 15"): SQLite truncates in the first commit after a restart, on the writer's thread, and from 16 MiB down to 1
     * MiB that took ~10 ms, every session's events waiting behind it. Not above it either: the file's size is how
     * the writer knows when to catch up ({@code StoreWriter.checkpointIfTheWalIsLarge}); a file kept larger would
     * look past the bound after every commit.
     */
    @Test
    void aRestartedWalIsTruncatedToTheWritersBoundAndNoFurther() throws SQLException {
        Connection writer = StoreDatabase.openWriter(dataDir.resolve("sessions.db"));
        try (Statement statement = writer.createStatement();
             ResultSet result = statement.executeQuery("PRAGMA journal_size_limit")) {
            assertThat(result.next()).isTrue();
            assertThat(result.getLong(1)).as("the writer's PRAGMA journal_size_limit")
                    .isEqualTo(Checkpointer.WAL_LIMIT_BYTES);
        } finally {
            StoreDatabase.closeQuietly(writer);
        }
    }

    /**
     * The store asks for no generated keys: with them on, sqlite-jdbc matches each executed statement's SQL against
     * a regular expression and runs a hidden {@code SELECT last_insert_rowid()} after an executed INSERT, CPU and
     * garbage on every event's way (docs/benchmarks.md, "Latency, session 15").
     */
    @Test
    void noConnectionOfTheStoreAsksForGeneratedKeys() throws SQLException {
        Path file = dataDir.resolve("sessions.db");
        List<Connection> connections = List.of(StoreDatabase.openWriter(file), StoreDatabase.openCheckpointer(file),
                StoreDatabase.openReader(file));
        try {
            for (Connection connection : connections) {
                assertThat(connection.unwrap(org.sqlite.SQLiteConnection.class).getConnectionConfig()
                        .isGetGeneratedKeys()).as("generated keys on %s", connection).isFalse();
            }
        } finally {
            connections.forEach(StoreDatabase::closeQuietly);
        }
    }

    private static int synchronous(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("PRAGMA synchronous")) {
            return result.next() ? result.getInt(1) : -1;
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private long eventsInDatabaseFileAlone() {
        try {
            Path copy = Files.createTempFile(copies, "db", ".db");
            Files.copy(dataDir.resolve("sessions.db"), copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + copy);
                 Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT count(*) FROM events")) {
                return rows.next() ? rows.getLong(1) : -1;
            }
        } catch (IOException | SQLException e) {
            // A copy taken while a checkpoint was writing the file, or before the schema reached it: try again.
            return -1;
        }
    }
}
