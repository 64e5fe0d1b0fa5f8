package dev.sandboxagent.store.internal;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * SQLite's {@code PRAGMA quick_check} over the whole file, run in the background once the store is open.
 *
 * <p>Why not before opening: the check reads every page, so its time grows with the store (about 5 s of a 21 s
 * restart with a million stored events on a busy 2-core machine), and a server that cannot answer until it is done
 * is a server that is down that long. What opening needs is checked synchronously and costs nothing (the header and
 * the schema: a file that is not a database at all is still refused at open, untouched, see {@link
 * StoreDatabase#openWriter}); damage deeper in the file is found here a few seconds later, on a read-only
 * connection of its own that WAL lets run beside the writer and the readers. What it finds is logged (SEVERE, with
 * the file and what to do) and handed to {@code onCorruption}, which makes the store refuse every write from then
 * on: writing more into a damaged b-tree can only spread the damage. Reads go on, so what is intact can still be
 * read out. A read-only check never changes the file; until it is done the store works as before the check
 * existed, and SQLite itself still refuses any page it finds malformed on the way (SQLITE_CORRUPT).
 */
final class IntegrityCheck {
    private static final Logger LOG = Logger.getLogger(IntegrityCheck.class.getName());
    private static final int PROBLEMS_SHOWN = 3;

    private final Path file;
    private final Consumer<String> onCorruption;
    private final CompletableFuture<Optional<String>> result = new CompletableFuture<>();
    private final Thread thread;
    private volatile Statement running;
    private volatile boolean cancelled;

    private IntegrityCheck(Path file, Consumer<String> onCorruption) {
        this.file = file;
        this.onCorruption = onCorruption;
        this.thread = new Thread(this::run, "session-store-check");
        // A check must never keep the JVM alive; close() cancels it anyway.
        thread.setDaemon(true);
    }

    /** Starts checking {@code file} now. */
    static IntegrityCheck start(Path file, Consumer<String> onCorruption) {
        IntegrityCheck check = new IntegrityCheck(file, onCorruption);
        check.thread.start();
        return check;
    }

    /** Completes with what the check found (empty: nothing), or empty if it could not run or was cancelled. */
    CompletableFuture<Optional<String>> result() {
        return result;
    }

    /**
     * Interrupts a running check (SQLite stops at its next page) and waits for the thread to end. Interrupts again
     * until it has: an interrupt that lands just before the statement starts is lost (SQLite clears it when no
     * statement runs), and the check must not then run to its end while close() waits.
     */
    void cancel() {
        cancelled = true;
        boolean interrupted = false;
        while (thread.isAlive()) {
            Statement statement = running;
            if (statement != null) {
                try {
                    statement.cancel();
                } catch (SQLException e) {
                    LOG.log(Level.FINE, "could not interrupt the integrity check", e);
                }
            }
            try {
                thread.join(50);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        long started = System.nanoTime();
        Optional<String> found = Optional.empty();
        try {
            found = check();
        } catch (RuntimeException e) {
            if (!cancelled) {
                LOG.log(Level.WARNING, "could not check " + file + " for damage: " + e.getMessage());
            }
        } finally {
            if (found.isPresent() && !cancelled) {
                String message = StoreDatabase.corruptionMessage(file, found.get(), false);
                LOG.severe(message);
                onCorruption.accept(message);
            } else if (!cancelled) {
                LOG.fine(() -> "integrity check of " + file + ": ok in "
                        + (System.nanoTime() - started) / 1_000_000 + " ms");
            }
            result.complete(cancelled ? Optional.empty() : found);
        }
    }

    /** What quick_check reported, joined, if it was not just "ok". */
    private Optional<String> check() {
        Connection connection = StoreDatabase.openReader(file);
        try (Statement statement = connection.createStatement()) {
            running = statement;
            if (cancelled) {
                return Optional.empty();
            }
            List<String> problems = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery("PRAGMA quick_check(" + PROBLEMS_SHOWN + ")")) {
                while (rs.next()) {
                    problems.add(rs.getString(1));
                }
            } catch (SQLException e) {
                if (cancelled) {
                    return Optional.empty();
                }
                if (!StoreDatabase.isCorruption(e)) {
                    throw StoreFailures.failed("check the session store", e, file);
                }
                problems.add(e.getMessage());
            }
            return problems.equals(List.of("ok")) ? Optional.empty()
                    : Optional.of(String.join("; ", problems).replace('\n', ' '));
        } catch (SQLException e) {
            throw StoreFailures.failed("check the session store", e, file);
        } finally {
            running = null;
            StoreDatabase.closeQuietly(connection);
        }
    }
}
