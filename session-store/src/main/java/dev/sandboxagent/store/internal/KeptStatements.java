package dev.sandboxagent.store.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The statements the writer runs in every commit (BEGIN, the events' INSERTs, the sessions' last sequence, COMMIT),
 * prepared once on the write connection and kept across commits. Preparing a statement is a parse and a plan in
 * SQLite, and a 64-row INSERT is a long one; each commit of a streaming agent used to prepare five.
 *
 * <p>After any failure of the statement that was running, every kept statement is dropped and prepared afresh
 * on next use: the driver finalizes a statement on some errors (a full disk: TinyFilesystemTest fails without
 * this) and leaves others half-stepped, and a commit that failed must not pass either state on to the next one.
 * Writer thread only.
 */
final class KeptStatements implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(KeptStatements.class.getName());

    private final Connection connection;
    private final Map<String, PreparedStatement> prepared = new HashMap<>();

    KeptStatements(Connection connection) {
        this.connection = connection;
    }

    Connection connection() {
        return connection;
    }

    /** The statement for {@code sql}, prepared on first use; reset and without bound values when returned. */
    PreparedStatement get(String sql) throws SQLException {
        PreparedStatement statement = prepared.get(sql);
        if (statement == null) {
            statement = connection.prepareStatement(sql);
            prepared.put(sql, statement);
        }
        return statement;
    }

    /** Drops every kept statement (after a failure, or when the connection is closed). */
    @Override
    public void close() {
        for (PreparedStatement statement : prepared.values()) {
            try {
                statement.close();
            } catch (SQLException e) {
                LOG.log(Level.FINE, "could not close a kept statement", e);
            }
        }
        prepared.clear();
    }
}
