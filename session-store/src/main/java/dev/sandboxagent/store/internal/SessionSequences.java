package dev.sandboxagent.store.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The newest committed sequence of every stored session, so the writer numbers events without a query and append
 * rejects an unknown session without touching the database. Only the writer thread changes it, and only after the
 * commit that made the change durable; any thread may read it.
 */
final class SessionSequences {
    private final ConcurrentHashMap<String, Long> newest;

    SessionSequences(Map<String, Long> stored) {
        this.newest = new ConcurrentHashMap<>(stored);
    }

    boolean isKnown(String sessionId) {
        return newest.containsKey(sessionId);
    }

    /** The newest committed sequence (0 before the first event), or null for an unknown or deleted session. */
    Long newest(String sessionId) {
        return newest.get(sessionId);
    }

    void created(String sessionId) {
        newest.put(sessionId, 0L);
    }

    void deleted(String sessionId) {
        newest.remove(sessionId);
    }

    void committed(Map<String, Long> newestBySession) {
        newest.putAll(newestBySession);
    }
}
