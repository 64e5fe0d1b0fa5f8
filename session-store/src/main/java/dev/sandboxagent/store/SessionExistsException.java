package dev.sandboxagent.store;

/** A session with this id is already stored. */
public class SessionExistsException extends StoreException {
    public SessionExistsException(String sessionId) {
        super("session '" + sessionId + "' already exists");
    }
}
