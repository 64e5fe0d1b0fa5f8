package dev.sandboxagent.store;

/** The store could not do what was asked (disk full, I/O error, corrupt file); nothing partial was written. */
public class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public StoreException(String message) {
        super(message);
    }
}
