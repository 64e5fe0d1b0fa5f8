package dev.sandboxagent.server.sessions;

import dev.sandboxagent.store.EventDraft;
import dev.sandboxagent.store.SessionRecord;
import dev.sandboxagent.store.SessionSpec;
import dev.sandboxagent.store.SessionState;
import dev.sandboxagent.store.SessionStore;
import dev.sandboxagent.store.UniversalEvent;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A real store passed through, for a test to override the one call it watches or times (usually {@link #append});
 * closing it leaves the real store open (the test owns that).
 */
class DelegatingStore implements SessionStore {
    final SessionStore store;

    DelegatingStore(SessionStore store) { this.store = store; }

    @Override public SessionRecord create(SessionSpec spec) { return store.create(spec); }
    @Override public Optional<SessionRecord> get(String id) { return store.get(id); }
    @Override public List<SessionRecord> list() { return store.list(); }
    @Override public void setState(String id, SessionState state) { store.setState(id, state); }
    @Override public void setNativeSessionId(String id, String nativeId) { store.setNativeSessionId(id, nativeId); }
    @Override public boolean delete(String id) { return store.delete(id); }
    @Override public CompletableFuture<List<UniversalEvent>> append(String id, List<EventDraft> drafts) {
        return store.append(id, drafts);
    }
    @Override public CompletableFuture<List<UniversalEvent>> appendEssential(String id, List<EventDraft> drafts) {
        return store.appendEssential(id, drafts);
    }
    @Override public boolean diskFull() { return store.diskFull(); }
    @Override public Optional<String> corruption() { return store.corruption(); }
    @Override public List<UniversalEvent> read(String id, long after, int limit) {
        return store.read(id, after, limit);
    }
    @Override public Optional<UniversalEvent> lastOfTypes(String id, Set<String> types) {
        return store.lastOfTypes(id, types);
    }
    @Override public void onCommit(Consumer<List<UniversalEvent>> listener) { store.onCommit(listener); }
    @Override public Optional<String> putIdempotencyKeyIfAbsent(String scope, String key, String value) {
        return store.putIdempotencyKeyIfAbsent(scope, key, value);
    }
    @Override public Optional<String> idempotencyKey(String scope, String key) {
        return store.idempotencyKey(scope, key);
    }
    @Override public void close() { }
}
