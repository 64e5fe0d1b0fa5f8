package dev.sandboxagent.store.internal;

import dev.sandboxagent.store.StoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A few read-only connections for the synchronous reads. WAL lets them read the last commit while the writer
 * writes the next, so a read never waits behind a group commit. Several, because a JDBC connection runs one
 * statement at a time and the server reads for many clients at once (listings, SSE catch-up).
 *
 * <p>An ordinary pool connects on its first read, not when the store opens: a server start reads nothing through
 * it (the writer reads the sessions' last sequences), and four connections with their pragma were part of the
 * store's open (docs/benchmarks.md "Server start, session 9"). All of them are made at once then, so from that
 * read on the pool is what it was before; a connection that cannot be made fails that read with the store's usual
 * {@link StoreException}, and the next read tries again.
 */
final class ReadPool {
    /** A read on a borrowed connection. */
    @FunctionalInterface
    interface Query<T> {
        T run(Connection connection) throws SQLException;
    }

    private final Path file;
    private final int size;
    // Null until the first read connects (connectOnFirstRead, under the read side of lifecycle and this pool's
    // monitor); replaced (under the write side) when a read-only start ends: see reopen().
    private volatile List<Connection> all;
    private volatile BlockingQueue<Connection> idle;
    private volatile boolean immutable;
    /**
     * The schema version of the file, which reads name only what it has: the current one, except after a read-only
     * start on a file the writer could not migrate (the writer alone migrates, and it could not open), until
     * {@link #reopen}. Changed with the connections, under the write side of lifecycle.
     */
    private volatile int schemaVersion = Schema.VERSION;
    // Queries hold the read side; close() takes the write side, so it waits for running queries to finish.
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private volatile boolean closed;

    private ReadPool(Path file, int size) {
        this.file = file;
        this.size = size;
    }

    private ReadPool(Path file, List<Connection> connections) {
        this(file, connections.size());
        this.all = List.copyOf(connections);
        this.idle = new ArrayBlockingQueue<>(connections.size(), false, connections);
    }

    /** A pool of {@code size} ordinary readers, connected on its first read. */
    static ReadPool open(Path file, int size) {
        return new ReadPool(file, size);
    }

    /**
     * For a store that starts read-only on a full disk: ordinary readers need to create the shared-memory file,
     * which a full disk refuses. When there is no WAL content to read (the last close checkpointed it), readers
     * that treat the file as immutable need nothing written at all. {@link #reopen} replaces them once the store
     * can write again. Either kind reads the file as it is, which may be of an older schema: only the writer
     * migrates, and it could not open (see {@link #schemaVersion}).
     */
    static ReadPool openOnAFullDisk(Path file, int size) {
        ReadPool ordinary = open(file, size);
        try {
            // SQLite connects lazily: only a first read maps the shared memory that a full disk refuses.
            ordinary.readSchemaVersion();
            return ordinary;
        } catch (StoreException e) {
            ordinary.close();
            Path wal = file.resolveSibling(file.getFileName() + "-wal");
            try {
                if (!StoreFailures.isDiskFull(e) || (Files.exists(wal) && Files.size(wal) > 0)) {
                    throw e;
                }
            } catch (IOException io) {
                throw e;
            }
            ReadPool pool = new ReadPool(file, connect(file, size, true));
            pool.immutable = true;
            try {
                pool.readSchemaVersion();
            } catch (RuntimeException failed) {
                pool.close();
                throw failed;
            }
            return pool;
        }
    }

    /** The file's schema version as it is (refusing a newer one), for a store that could not migrate it. */
    private void readSchemaVersion() {
        schemaVersion = query("read the schema version of the session store", c -> Schema.version(c, file));
    }

    /** What reads may name (see {@link Schema}); read it inside a {@link #query}, where it matches the connection. */
    int schemaVersion() {
        return schemaVersion;
    }

    /**
     * After a read-only start, once the store writes again (its writer has opened, and so migrated the file):
     * ordinary readers that see its commits, and reads of the current schema.
     */
    void reopen() {
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            if (immutable) {
                List<Connection> fresh = connect(file, size, false);
                all.forEach(StoreDatabase::closeQuietly); // an immutable pool is connected from its start
                all = List.copyOf(fresh);
                idle = new ArrayBlockingQueue<>(fresh.size(), false, fresh);
                immutable = false;
            }
            // Only with readers that see the migration (an immutable one reads the file without its WAL). Reads of
            // the old version stay right on the migrated file meanwhile: no row is marked before the first delete,
            // which waits for the writer, and the writer is the thread running this.
            schemaVersion = Schema.VERSION;
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    private static List<Connection> connect(Path file, int size, boolean immutable) {
        List<Connection> connections = new ArrayList<>(size);
        try {
            for (int i = 0; i < size; i++) {
                connections.add(immutable ? StoreDatabase.openImmutableReader(file) : StoreDatabase.openReader(file));
            }
        } catch (RuntimeException e) {
            connections.forEach(StoreDatabase::closeQuietly);
            throw e;
        }
        return connections;
    }

    /** Runs {@code query} on an idle connection, waiting for one if all are busy. */
    <T> T query(String description, Query<T> query) {
        lifecycle.readLock().lock();
        try {
            if (closed) {
                throw StoreFailures.closed();
            }
            BlockingQueue<Connection> pool = idle;
            if (pool == null) {
                pool = connectOnFirstRead();
            }
            Connection connection = borrow(pool);
            try {
                return query.run(connection);
            } catch (SQLException e) {
                throw StoreFailures.failed(description, e, file);
            } finally {
                pool.add(connection);
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** Called with the read side of lifecycle held, so neither close() nor reopen() runs meanwhile. */
    private synchronized BlockingQueue<Connection> connectOnFirstRead() {
        if (idle == null) {
            List<Connection> connections = connect(file, size, false);
            all = List.copyOf(connections);
            idle = new ArrayBlockingQueue<>(size, false, connections);
        }
        return idle;
    }

    void close() {
        closed = true;
        lifecycle.writeLock().lock();
        try {
            List<Connection> connections = all;
            if (connections != null) {
                connections.forEach(StoreDatabase::closeQuietly);
            }
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    private static Connection borrow(BlockingQueue<Connection> pool) {
        try {
            return pool.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for a read connection", e);
        }
    }
}
