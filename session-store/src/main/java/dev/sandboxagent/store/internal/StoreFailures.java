package dev.sandboxagent.store.internal;

import dev.sandboxagent.store.StoreException;
import java.nio.file.Path;
import java.sql.SQLException;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * Turns SQLite failures into {@link StoreException}s that say what happened in words an operator acts on ("disk
 * full", "I/O error"), what was lost, and which file. Messages never contain event payloads: SQLite's own messages
 * name tables and columns, not values.
 */
final class StoreFailures {
    private StoreFailures() {
    }

    static StoreException unknownSession(String sessionId) {
        return new StoreException("unknown session '" + sessionId + "'");
    }

    static StoreException closed() {
        return new StoreException("store is closed");
    }

    /** {@code what} completes "could not ...", e.g. "create session 'a'". */
    static StoreException failed(String what, Exception cause, Path file) {
        return new StoreException(kind(cause) + ": could not " + what + " in " + file + " (" + cause.getMessage()
                + ")", cause);
    }

    static StoreException appendFailed(Exception cause, int eventCount, String sessionId, Path file) {
        return failed("store " + eventCount + (eventCount == 1 ? " event" : " events") + " of session '"
                + sessionId + "'", cause, file);
    }

    /** Whether {@code failure} (or a cause of it) is SQLite saying the disk or its shared memory is full. */
    static boolean isDiskFull(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLiteException sqlite) {
                SQLiteErrorCode code = sqlite.getResultCode();
                if ((code.code & 0xff) == SQLiteErrorCode.SQLITE_FULL.code
                        || code == SQLiteErrorCode.SQLITE_IOERR_SHMSIZE) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A write refused, untried, while the disk is full: the same words as one that was tried and failed. */
    static StoreException refusedWhileFull(String what, Path file) {
        return new StoreException("disk full: could not " + what + " in " + file + " (the disk is full; the store"
                + " refuses writes until space returns)");
    }

    static String kind(Exception e) {
        if (!(e instanceof SQLiteException sqlite)) {
            return e instanceof SQLException ? "database error" : "unexpected error";
        }
        // Extended result codes (SQLITE_IOERR_WRITE, ...) carry the primary code in their low byte.
        SQLiteErrorCode primary = SQLiteErrorCode.getErrorCode(sqlite.getResultCode().code & 0xff);
        if (isDiskFull(e)) {
            return "disk full";
        }
        switch (primary) {
            case SQLITE_FULL:
                return "disk full";
            case SQLITE_IOERR:
                return "I/O error";
            case SQLITE_CORRUPT:
            case SQLITE_NOTADB:
                return "database file is corrupt";
            case SQLITE_READONLY:
            case SQLITE_PERM:
            case SQLITE_CANTOPEN:
                return "database file is not writable";
            case SQLITE_BUSY:
            case SQLITE_LOCKED:
                return "database is busy";
            default:
                return "database error";
        }
    }
}
