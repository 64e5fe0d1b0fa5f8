package dev.sandboxagent.store;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Durable sessions and their append-only event logs.
 *
 * <p>Thread-safe. Every method except {@link #append} blocks on the database and must not be called from an
 * event loop. Appends are group-committed: drafts from many sessions that arrive within a few milliseconds are
 * written in one transaction.
 *
 * <p>Ordering promise: the events of one session get sequences 1, 2, 3... with no gap, in the order
 * {@link #append} was called for that session; committed batches reach the {@link #onCommit} listeners in
 * commit order, on one thread, and only after the transaction is durable. A subscriber fed from that listener
 * therefore never sees an event that a restart could lose.
 */
public interface SessionStore extends AutoCloseable {

    /**
     * Opens (creating if needed) the SQLite store in {@code dataDir}. Sessions that were {@link
     * SessionState#ACTIVE} when the previous process stopped are marked {@link SessionState#INTERRUPTED}. On a
     * disk too full to open for writing, it opens read-only ({@link #diskFull()} is true) rather than fail.
     */
    static SessionStore openSqlite(Path dataDir) {
        return dev.sandboxagent.store.internal.SqliteSessionStore.open(dataDir);
    }

    /** Stores a new session in state ACTIVE. @throws SessionExistsException if the id is taken */
    SessionRecord create(SessionSpec spec);

    Optional<SessionRecord> get(String sessionId);

    /** All sessions, oldest first. */
    List<SessionRecord> list();

    void setState(String sessionId, SessionState state);

    void setNativeSessionId(String sessionId, String nativeSessionId);

    /**
     * Removes the session and its events. Returns false if there was no such session. Returns at once, whatever the
     * session's length: from then on no read finds the session or any of its events, its appends fail as an unknown
     * session's, and its id may be created again; the events themselves may leave the file in the background, in
     * short transactions between other sessions' commits.
     */
    boolean delete(String sessionId);

    /**
     * Queues drafts for one session; they are committed together, in order, with consecutive sequences. The
     * future completes (on the store's writer thread, or on this one: {@link #commitOnAppendingThreadWhen}) once
     * they are durable, or fails with {@link
     * StoreException}; on failure none of them is stored and no sequence is used up.
     */
    CompletableFuture<List<UniversalEvent>> append(String sessionId, List<EventDraft> drafts);

    /**
     * As {@link #append}, but also tried while the disk is full, on the space the store keeps in reserve for it:
     * for the few events that record how a full disk cut a session short (an error, the end of its turn, the end
     * of the session). Ordinary appends are refused untried meanwhile, so they cannot use that space up.
     */
    CompletableFuture<List<UniversalEvent>> appendEssential(String sessionId, List<EventDraft> drafts);

    /**
     * True while the disk is full: from the first write that failed for lack of space (or an open on a disk too
     * full to write) until the store has found room again. Meanwhile reads work, ordinary writes fail with a
     * "disk full" {@link StoreException} untried, and {@link #appendEssential} and session state changes are tried.
     * Each refused write first checks whether space has returned, so writes resume by themselves.
     */
    boolean diskFull();

    /**
     * What the check of the whole file, which runs in the background after open, found wrong with it; empty while
     * nothing is known to be wrong (also while the check runs). Once present, every write fails with a "database
     * file is corrupt" {@link StoreException} untried, until the server is restarted on a repaired or new file;
     * reads go on.
     */
    Optional<String> corruption();

    /**
     * Up to {@code limit} events of a session with sequence greater than {@code afterSequence}, in order, each with
     * the bytes the store wrote ({@link UniversalEvent#encoded()}).
     */
    List<UniversalEvent> read(String sessionId, long afterSequence, int limit);

    /**
     * The newest event of the session whose type is one of {@code types}, found from the end of its log without
     * reading the events in between into memory (crash repair after a restart reads this for every interrupted
     * session, whatever their length).
     */
    Optional<UniversalEvent> lastOfTypes(String sessionId, java.util.Set<String> types);

    /**
     * Registers a listener called with each committed batch (possibly many sessions' events), in commit order,
     * on the writer thread (or on an appending thread that commits in its place: {@link
     * #commitOnAppendingThreadWhen}). It must not block. The events carry the very bytes that were stored.
     */
    void onCommit(Consumer<List<UniversalEvent>> listener);

    /**
     * Sets what is asked before each append is queued, on the appending thread (not on the writer thread): the
     * server's event hub, which holds a producer back while the live readers of its session are too far behind
     * (they would otherwise be thrown back to reading the events from the store). A store without pacing ignores it.
     */
    default void paceAppends(AppendPacer pacer) {
    }

    /**
     * Lets an appending thread for which {@code mayCommitHere} (asked on that thread) is true commit its own small
     * append itself when the store's writer is idle, instead of handing it to the writer thread, which would first
     * have to wake up and get a core: one thread hand-off less between an agent's output and its subscribers
     * (docs/benchmarks.md, "Latency, session 13"). Such an append's future completes, and the commit listeners
     * run, on the appending thread, before {@link #append} returns. Only for threads that may block for a commit
     * (never an event loop). Until this is called, and in a store that does not do it, every append is committed
     * by the writer thread.
     */
    default void commitOnAppendingThreadWhen(java.util.function.BooleanSupplier mayCommitHere) {
    }

    /**
     * Records {@code value} under ({@code scope}, {@code key}) unless something is there already; returns what
     * was there before, if anything. Used for Idempotency-Key handling, so it survives restarts.
     */
    Optional<String> putIdempotencyKeyIfAbsent(String scope, String key, String value);

    /** What {@link #putIdempotencyKeyIfAbsent} recorded under ({@code scope}, {@code key}), if anything. */
    Optional<String> idempotencyKey(String scope, String key);

    /** Flushes queued appends and closes the database. */
    @Override
    void close();
}
