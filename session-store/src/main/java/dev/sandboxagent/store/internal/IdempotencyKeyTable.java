package dev.sandboxagent.store.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/** SQL on the {@code idempotency_keys} table. A session's delete removes the keys scoped to its id. */
final class IdempotencyKeyTable {
    private IdempotencyKeyTable() {
    }

    /** False when the key is taken (its value is left as it is). */
    static boolean insertIfAbsent(Connection connection, String scope, String key, String value, long now)
            throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO idempotency_keys"
                + " (scope, key, value, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (scope, key) DO NOTHING")) {
            insert.setString(1, scope);
            insert.setString(2, key);
            insert.setString(3, value);
            insert.setLong(4, now);
            return insert.executeUpdate() == 1;
        }
    }

    static void deleteScope(Connection connection, String scope) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM idempotency_keys WHERE scope = ?")) {
            delete.setString(1, scope);
            delete.executeUpdate();
        }
    }

    static Optional<String> find(Connection connection, String scope, String key) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT value FROM idempotency_keys WHERE scope = ? AND key = ?")) {
            select.setString(1, scope);
            select.setString(2, key);
            try (ResultSet rs = select.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }
}
