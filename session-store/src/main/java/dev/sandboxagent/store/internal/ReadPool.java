package dev.sandboxagent.store.internal;

import dev.sandboxagent.store.StoreException;
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
 */
final class ReadPool {
    /** A read on a borrowed connection. */
    @FunctionalInterface
    interface Query<T> {
        T run(Connection connection) throws SQLException;
    }

    private final Path file;
    private final List<Connection> all;
    private final BlockingQueue<Connection> idle;
    // Queries hold the read side; close() takes the write side, so it waits for running queries to finish.
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private volatile boolean closed;

    private ReadPool(Path file, List<Connection> connections) {
        this.file = file;
        this.all = List.copyOf(connections);
        this.idle = new ArrayBlockingQueue<>(connections.size(), false, connections);
    }

    static ReadPool open(Path file, int size) {
        List<Connection> connections = new ArrayList<>(size);
        try {
            for (int i = 0; i < size; i++) {
                connections.add(StoreDatabase.openReader(file));
            }
        } catch (RuntimeException e) {
            connections.forEach(StoreDatabase::closeQuietly);
            throw e;
        }
        return new ReadPool(file, connections);
    }

    /** Runs {@code query} on an idle connection, waiting for one if all are busy. */
    <T> T query(String description, Query<T> query) {
        lifecycle.readLock().lock();
        try {
            if (closed) {
                throw StoreFailures.closed();
            }
            Connection connection = borrow();
            try {
                return query.run(connection);
            } catch (SQLException e) {
                throw StoreFailures.failed(description, e, file);
            } finally {
                idle.add(connection);
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    void close() {
        closed = true;
        lifecycle.writeLock().lock();
        try {
            all.forEach(StoreDatabase::closeQuietly);
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    private Connection borrow() {
        try {
            return idle.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for a read connection", e);
        }
    }
}
