package dev.sandboxagent.store.internal;

import dev.sandboxagent.store.StoreException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/** Opens connections to {@code sessions.db} with the settings the store's promises depend on. */
final class StoreDatabase {
    private static final Logger LOG = Logger.getLogger(StoreDatabase.class.getName());
    // Only this process writes (DataDirLock), so waits are short: a checkpoint, or a reader during WAL recovery.
    private static final int BUSY_TIMEOUT_MILLIS = 5_000;

    private StoreDatabase() {
    }

    /**
     * Opens the connection the writer thread will own. Checks that the file is a database before anything can write
     * to it (its header and schema: the full check runs in the background, see {@link IntegrityCheck}), sets the
     * durability pragmas, migrates the schema and marks the sessions the previous process left ACTIVE as
     * INTERRUPTED.
     */
    static Connection openWriter(Path file) {
        Connection connection = connect(file);
        try (Statement statement = connection.createStatement()) {
            checkReadable(statement, file);
            String mode = queryString(statement, "PRAGMA journal_mode = WAL");
            if (!"wal".equalsIgnoreCase(mode)) {
                // Still durable with a rollback journal; readers just wait for commits instead of running alongside.
                LOG.warning("the filesystem of " + file + " does not support WAL; using journal mode " + mode);
            }
            // NORMAL: a commit is written to the WAL (so it survives kill -9 of this process) but not synced; the
            // Checkpointer syncs the WAL about its interval later (bounding what a power cut can take). FULL synced
            // at every commit, which was most of an event's way from its agent to its client (docs/benchmarks.md).
            // Not OFF: the header of a restarted WAL is synced with this connection's flags, and without that sync a
            // power cut could bring back the previous round's frames, older than the database file ("Latency,
            // session 11" in docs/benchmarks.md).
            statement.execute("PRAGMA synchronous = NORMAL");
            // The Checkpointer copies the WAL into the database on its own thread: never inside the writer's COMMIT.
            statement.execute("PRAGMA wal_autocheckpoint = 0");
            // When the WAL starts over, SQLite truncates the file to this size, in the first commit after the
            // restart, on the writer's thread. The writer's own bound (Checkpointer.WAL_LIMIT_BYTES) and not less:
            // under a steady stream the WAL restarts about once per 16 MiB written, and a truncation from there to
            // 1 MiB held that commit, and every session's next event, for ~10 ms (docs/benchmarks.md, "Latency,
            // session 15"). A restart at the bound truncates only the little past it. So the file's size keeps
            // telling the writer when to catch up, and the WAL's peak on disk is what it was (docs/operations.md).
            statement.execute("PRAGMA journal_size_limit = " + Checkpointer.WAL_LIMIT_BYTES);
            statement.execute("PRAGMA foreign_keys = ON");
            Schema.migrate(connection, file);
            int interrupted = SessionTable.interruptActive(connection, System.currentTimeMillis());
            if (interrupted > 0) {
                LOG.info(interrupted + " session(s) were active when the store was last closed; marked interrupted");
            }
            return connection;
        } catch (SQLException e) {
            closeQuietly(connection);
            throw StoreFailures.failed("open the session store", e, file);
        } catch (RuntimeException e) {
            closeQuietly(connection);
            throw e;
        }
    }

    /**
     * The connection of the {@link Checkpointer}: it writes to the database file (the pages a checkpoint copies) but
     * never begins a transaction. Its {@code synchronous} (FULL, SQLite's default) makes each checkpoint sync the WAL
     * before copying and the database after.
     */
    static Connection openCheckpointer(Path file) {
        return connect(file);
    }

    /** A connection that can only read (the writer thread is the one writer). */
    static Connection openReader(Path file) {
        Connection connection = connect(file);
        try (Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA query_only = ON");
            return connection;
        } catch (SQLException e) {
            closeQuietly(connection);
            throw StoreFailures.failed("open a read connection", e, file);
        }
    }

    /**
     * A reader that writes nothing at all, not even the shared-memory file: SQLite treats the file as one nobody
     * changes, which holds while the store is read-only (it alone may write, and does not) and the WAL is empty.
     */
    static Connection openImmutableReader(Path file) {
        SQLiteConfig config = new SQLiteConfig();
        config.setGetGeneratedKeys(false);
        config.setReadOnly(true);
        config.setOpenMode(org.sqlite.SQLiteOpenMode.OPEN_URI);
        try {
            return config.createConnection("jdbc:sqlite:" + file.toUri() + "?immutable=1");
        } catch (SQLException e) {
            throw StoreFailures.failed("open a read connection", e, file);
        }
    }

    static void rollbackQuietly(Connection connection) {
        try (Statement statement = connection.createStatement()) {
            statement.execute("ROLLBACK");
        } catch (SQLException ignored) {
            // SQLite rolls back by itself after some errors (SQLITE_FULL, SQLITE_IOERR): no transaction is left
        }
    }

    static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.log(Level.WARNING, "could not close a database connection", e);
        }
    }

    private static Connection connect(Path file) {
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
        // The store never asks for generated keys (its rows are keyed by session and sequence). With them on,
        // sqlite-jdbc matches every executed statement's SQL against a regular expression (a BEGIN and a COMMIT
        // per commit) and runs a hidden SELECT last_insert_rowid() after each INSERT it executes: CPU and garbage on
        // every event's way (docs/benchmarks.md, "Latency, session 15").
        config.setGetGeneratedKeys(false);
        try {
            return config.createConnection("jdbc:sqlite:" + file);
        } catch (SQLException e) {
            throw StoreFailures.failed("open the session store", e, file);
        }
    }

    /**
     * Refuses a file that is not a database, or whose header or schema is damaged, with a message naming it. Runs
     * before any pragma that writes, so such a file stays byte for byte as it was; the operator decides what to do
     * with it. Reads only the first pages (the schema), so it costs the same for an empty store and a huge one:
     * damage deeper in the file is looked for by {@link IntegrityCheck} once the store is open.
     */
    private static void checkReadable(Statement statement, Path file) {
        try (ResultSet rs = statement.executeQuery("SELECT count(*) FROM sqlite_master")) {
            rs.next();
        } catch (SQLException e) {
            if (!isCorruption(e)) {
                throw StoreFailures.failed("read the session store", e, file);
            }
            throw new StoreException(corruptionMessage(file, e.getMessage().replace('\n', ' '), true), e);
        }
    }

    /** What the operator reads about a damaged file: which, what SQLite found, and what to do. */
    static String corruptionMessage(Path file, String found, boolean untouched) {
        return file + " is not a valid SQLite database or is corrupt (" + found + "). "
                + (untouched ? "It was left untouched: restore"
                : "The store refuses writes to it from now on (reads go on); stop the server and restore")
                + " it from a backup, or move it aside to start with an empty session store.";
    }

    static boolean isCorruption(SQLException e) {
        if (!(e instanceof SQLiteException sqlite)) {
            return false;
        }
        int primary = sqlite.getResultCode().code & 0xff;
        return primary == SQLiteErrorCode.SQLITE_NOTADB.code || primary == SQLiteErrorCode.SQLITE_CORRUPT.code;
    }

    private static String queryString(Statement statement, String sql) throws SQLException {
        try (ResultSet rs = statement.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
