package dev.sandboxagent.store.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.sqlite.SQLiteConfig;

/**
 * A new store's {@code sessions.db}, built whole under a temporary name ({@code sessions.db.new}) with SQLite's syncs
 * off, synced once, renamed over the empty file the open made, and the directory synced: 2 fsyncs where opening the
 * empty file in place made 6 (switching an empty file to WAL is a rollback-journal transaction that syncs its journal,
 * the directory, the journal again and the file; the schema's commit, the WAL's first write, syncs the WAL and the
 * directory again): the open of a fresh data directory 20-30 ms faster, most of it on a server's first start
 * (docs/benchmarks.md "Server start, session 10").
 *
 * <p>Why nothing can be lost: only a store with no data is built this way (an empty {@code sessions.db} and no WAL
 * or rollback journal beside it), under the data directory's lock, before the open returns, so no session exists
 * yet. A crash before the rename leaves the empty {@code sessions.db} (the next open builds again, after deleting the
 * leftover temporary file and its companions); the temporary file is synced before the rename, so a crash after it
 * finds either the empty file or the complete database under the name, never a torn one. A build that fails (a full
 * disk, say) deletes what it made and the open goes on the ordinary way, which knows how to open on a full disk.
 */
final class FreshDatabase {
    private static final Logger LOG = Logger.getLogger(FreshDatabase.class.getName());
    private static final String SUFFIX = ".new";
    /** SQLite's files beside a database: what a crashed build can leave under the temporary name. */
    private static final String[] COMPANIONS = {"", "-journal", "-wal", "-shm"};

    private FreshDatabase() {
    }

    /**
     * Builds {@code file} (the store's database, already created empty by the open) if it holds no data yet; removes
     * what an earlier build cut short left beside it in any case. The caller holds the data directory's lock.
     */
    static void buildIfEmpty(Path file) {
        Path partial = file.resolveSibling(file.getFileName() + SUFFIX);
        deleteWithCompanions(partial);
        if (!isEmpty(file)) {
            return;
        }
        try {
            PrivateFiles.createFileIfAbsent(partial); // 0600 from its first byte, as the database's own
            build(partial);
            try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | SQLException | RuntimeException e) {
            LOG.log(Level.FINE, "could not build " + file + " under a temporary name; opening it in place", e);
            deleteWithCompanions(partial);
            return;
        }
        syncDirectory(file.getParent());
    }

    /** Empty, and no journal or WAL beside it that SQLite would have to recover: a store that holds nothing. */
    private static boolean isEmpty(Path file) {
        try {
            return Files.size(file) == 0 && !Files.exists(file.resolveSibling(file.getFileName() + "-wal"))
                    && !Files.exists(file.resolveSibling(file.getFileName() + "-journal"));
        } catch (IOException e) {
            return false; // the ordinary open says what is wrong with it
        }
    }

    /**
     * The database in WAL mode with the current schema, without a sync: the file is synced once as a whole by the
     * caller. Closing the only connection copies the WAL into the file and deletes it.
     */
    private static void build(Path partial) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setSynchronous(SQLiteConfig.SynchronousMode.OFF);
        try (Connection connection = config.createConnection("jdbc:sqlite:" + partial);
             Statement statement = connection.createStatement()) {
            statement.executeQuery("PRAGMA journal_mode = WAL").close();
            Schema.migrate(connection, partial);
        }
        if (Files.exists(partial.resolveSibling(partial.getFileName() + "-wal"))) {
            // SQLite keeps the WAL when it could not checkpoint at close: the file alone would not be the database.
            throw new SQLException("the WAL of " + partial + " was not checkpointed at close");
        }
    }

    /** Makes the rename durable. Best effort: a file system that cannot sync a directory still has a whole file. */
    private static void syncDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            LOG.log(Level.FINE, "could not sync the directory " + directory, e);
        }
    }

    private static void deleteWithCompanions(Path partial) {
        for (String companion : COMPANIONS) {
            try {
                Files.deleteIfExists(partial.resolveSibling(partial.getFileName() + companion));
            } catch (IOException e) {
                LOG.log(Level.FINE, "could not delete " + partial + companion, e);
            }
        }
    }
}
