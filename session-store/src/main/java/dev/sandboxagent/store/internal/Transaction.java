package dev.sandboxagent.store.internal;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;

/** The writer's open transaction, as a {@link WriteTask} sees it. */
final class Transaction {
    private final Connection connection;
    private final List<Runnable> afterCommit = new ArrayList<>();

    Transaction(Connection connection) {
        this.connection = connection;
    }

    Connection connection() {
        return connection;
    }

    /**
     * Runs {@code action} on the writer thread once the transaction has committed, and not at all if it rolls
     * back: in-memory state that mirrors the file (the session sequences) must never run ahead of it.
     */
    void afterCommit(Runnable action) {
        afterCommit.add(action);
    }

    void committed() {
        afterCommit.forEach(Runnable::run);
    }
}
