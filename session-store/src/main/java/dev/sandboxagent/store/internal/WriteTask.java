package dev.sandboxagent.store.internal;

import java.sql.SQLException;

/** A synchronous write, run by the writer thread inside a transaction it begins and commits. */
@FunctionalInterface
interface WriteTask<T> {
    T run(Transaction transaction) throws SQLException;
}
