package dev.sandboxagent.server.sessions;

import dev.sandboxagent.store.SessionStore;
import java.util.Optional;

/**
 * The Idempotency-Keys a session has seen, and what each one did. They live in the store, next to the session,
 * so a retry after a server restart still starts nothing twice; creates and messages have keys of their own.
 */
final class IdempotencyKeys {
    private static final String CREATE = "create:";
    private static final String MESSAGE = "message:";

    private final SessionStore store;

    IdempotencyKeys(SessionStore store) {
        this.store = store;
    }

    /** Whether this key created the session before. */
    boolean created(String sessionId, String key) {
        return store.idempotencyKey(sessionId, CREATE + key).isPresent();
    }

    void recordCreate(String sessionId, String key) {
        store.putIdempotencyKeyIfAbsent(sessionId, CREATE + key, "created");
    }

    /** The turn this key started before, if it did. */
    Optional<String> turn(String sessionId, String key) {
        return store.idempotencyKey(sessionId, MESSAGE + key);
    }

    void recordTurn(String sessionId, String key, String turnId) {
        store.putIdempotencyKeyIfAbsent(sessionId, MESSAGE + key, turnId);
    }
}
