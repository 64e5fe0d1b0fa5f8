package dev.sandboxagent.store.internal;

import dev.sandboxagent.store.AppendPacer;
import dev.sandboxagent.store.EventDraft;
import dev.sandboxagent.store.SessionExistsException;
import dev.sandboxagent.store.SessionRecord;
import dev.sandboxagent.store.SessionSpec;
import dev.sandboxagent.store.SessionState;
import dev.sandboxagent.store.SessionStore;
import dev.sandboxagent.store.StoreException;
import dev.sandboxagent.store.UniversalEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * {@link SessionStore} in one SQLite file, {@code <dataDir>/sessions.db}, in WAL mode with {@code synchronous=NORMAL}:
 * a commit survives kill -9 as soon as COMMIT returns (it is in the WAL), and a power cut once the {@link
 * Checkpointer} has synced the WAL, about {@value Checkpointer#INTERVAL_MILLIS} ms later. A commit neither syncs the
 * WAL nor checkpoints it: that is the checkpointer's work, on its own thread and connection (the writer checkpoints
 * only to keep the WAL bounded under a stream that never pauses, see {@link Checkpointer}).
 *
 * <p><b>Threads and connections.</b> Every write goes through one daemon thread, "session-store-writer", which
 * owns the only write connection ({@link StoreWriter}); "session-store-checkpointer" copies the WAL into the
 * database file beside it. Appends are queued and group-committed; the synchronous
 * writes (create, setState, setNativeSessionId, delete, putIdempotencyKeyIfAbsent) are queued behind them as
 * one-transaction tasks whose caller waits; so are the chunks in which "session-store-remover" removes the events of
 * deleted sessions ({@link SessionRemover}). One writer keeps the in-memory next sequence of each session exact
 * without locks, and means a delete cannot slip between an append being numbered and being inserted. The price: a
 * synchronous write waits for the appends queued before it, usually one commit, a fraction of a second behind a
 * full queue. Reads use a small pool of read-only connections ({@link ReadPool}) that WAL lets run alongside the
 * writer. A lock file keeps a second store off the same directory ({@link DataDirLock}).
 *
 * <p><b>Backpressure.</b> At most {@value #QUEUE_CAPACITY_DRAFTS} drafts wait for the writer. While the queue is
 * full, {@link #append} blocks its caller until the writer has made room, which slows a producer down to the
 * speed of the disk instead of letting memory grow. Calls on the writer thread itself (future callbacks and
 * listeners) never block, as only that thread could make room. Before that, the {@link AppendPacer} (the server's
 * event hub) may hold the caller back for the readers of its session: a session's live subscribers then set its
 * producer's pace instead of falling back to reading the store.
 *
 * <p>Drafts are encoded to JSON on the writer thread, once (the bytes are stored and handed to listeners and
 * readers as they are, see {@link UniversalEvent}), so their {@code data} and {@code raw} nodes must not be
 * changed after {@code append}. The store never logs event contents, which may hold secrets.
 */
public final class SqliteSessionStore implements SessionStore {
    /**
     * Five of the writer's largest commits (2,000 events). A streaming agent outruns the writer, so the queue is
     * full for the whole burst: at 100,000 drafts it held ~50 MB, which the young generation promoted and the old
     * generation kept committed after the burst (RSS after the benchmark's scenarios 171-193 MiB against 127-133 at
     * 10,000, with the same events/s: docs/benchmarks.md "RSS after the scenarios"). A synchronous write behind a
     * full queue also waits a tenth as long.
     */
    static final int QUEUE_CAPACITY_DRAFTS = 10_000;
    /**
     * The largest append an appending thread commits itself ({@link #commitOnAppendingThreadWhen}): a delta or a
     * mock turn's reply, not a streaming agent's read of hundreds of lines, which stays with the writer thread so
     * that the producer parses its next read while the writer commits this one (two cores at work, not one).
     */
    static final int INLINE_MAX_DRAFTS = 8;
    // SSE catch-up, listings and gets of a busy server at once; each extra connection costs only a page cache.
    private static final int READ_CONNECTIONS = 4;
    private static final java.util.logging.Logger LOG =
            java.util.logging.Logger.getLogger(SqliteSessionStore.class.getName());

    private final DataDirLock lock;
    private final SessionSequences sequences;
    private final WriteQueue queue;
    private final StoreWriter writer;
    private final ReadPool readers;
    private final IntegrityCheck integrity;
    private final SessionRemover remover;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile AppendPacer pacer = AppendPacer.NONE;
    private volatile java.util.function.BooleanSupplier mayCommitHere = () -> false;

    private SqliteSessionStore(DataDirLock lock, SessionSequences sequences, WriteQueue queue, StoreWriter writer,
                               ReadPool readers, IntegrityCheck integrity, SessionRemover remover) {
        this.lock = lock;
        this.sequences = sequences;
        this.queue = queue;
        this.writer = writer;
        this.readers = readers;
        this.integrity = integrity;
        this.remover = remover;
    }

    /**
     * Opens (creating if needed) {@code <dataDir>/sessions.db}, marks the sessions left ACTIVE as INTERRUPTED,
     * starts the writer thread, and starts checking the whole file in the background ({@link IntegrityCheck}).
     *
     * @throws StoreException if the file is not a database or its header or schema is damaged (it is left
     *                        untouched), was written by a newer schema, or another store has the directory open
     */
    public static SqliteSessionStore open(Path dataDir) {
        return open(dataDir, SessionRemover.Settings.DEFAULT);
    }

    /** As {@link #open(Path)}, with the removal of deleted sessions' events set as a test needs it. */
    static SqliteSessionStore open(Path dataDir, SessionRemover.Settings removal) {
        Objects.requireNonNull(dataDir, "dataDir");
        Path file = dataDir.resolve("sessions.db");
        try {
            PrivateFiles.createDirectories(dataDir);
            // SQLite gives the -wal, -shm and -journal files the mode of the database file, so a database that is
            // 0600 from its first byte keeps every transcript private, whatever the umask.
            PrivateFiles.createFileIfAbsent(file);
        } catch (IOException e) {
            throw new StoreException("cannot create " + file + ": " + e, e);
        }
        SqliteNative.load();
        DataDirLock lock = DataDirLock.acquire(dataDir.resolve("sessions.lock"), file);
        // A new store's file is built whole under another name and renamed into place: 2 syncs instead of 6 on a
        // server's first start (docs/benchmarks.md "Server start, session 10").
        FreshDatabase.buildIfEmpty(file);
        Headroom headroom = new Headroom(dataDir.resolve("sessions.reserve"));
        Connection connection = null;
        ReadPool readers = null;
        try {
            connection = openWriterOnAFullDisk(file, headroom);
            readers = connection != null ? ReadPool.open(file, READ_CONNECTIONS)
                    : ReadPool.openOnAFullDisk(file, READ_CONNECTIONS);
            // Read-only, the readers read the file as it is: perhaps of an older schema (the writer migrates).
            ReadPool pool = readers;
            SessionSequences sequences = new SessionSequences(connection != null
                    ? SessionTable.lastSequences(connection, Schema.VERSION)
                    : readers.query("read the sessions", c -> SessionTable.lastSequences(c, pool.schemaVersion())));
            // What a stop or crash left of removals: resumed once the writer runs (see SessionRemover).
            List<String> leftMarked = connection != null ? SessionTable.removing(connection, Schema.VERSION)
                    : readers.query("read the deleted sessions", c -> SessionTable.removing(c, pool.schemaVersion()));
            if (connection != null && !headroom.full() && !headroom.ensureReserve()) {
                headroom.markFull();
                LOG.warning("the disk of " + file + " has no room for the store's " + (Headroom.RESERVE_BYTES / 1024)
                        + " KiB reserve: writes are refused until there is");
            }
            WriteQueue queue = new WriteQueue(QUEUE_CAPACITY_DRAFTS);
            StoreWriter writer = new StoreWriter(connection, () -> {
                Connection reopened = StoreDatabase.openWriter(file); // migrates the file if it is older
                try {
                    pool.reopen();
                } catch (RuntimeException e) {
                    StoreDatabase.closeQuietly(reopened);
                    throw e;
                }
                return reopened;
            }, headroom, file, queue, sequences);
            writer.start();
            SessionRemover remover = new SessionRemover(writer, removal, leftMarked);
            remover.start();
            // Last: the store is usable now, and the full check of the file runs beside it (see IntegrityCheck).
            IntegrityCheck integrity = IntegrityCheck.start(file, writer::markCorrupt);
            return new SqliteSessionStore(lock, sequences, queue, writer, readers, integrity, remover);
        } catch (SQLException e) {
            closeAfterFailedOpen(connection, readers, lock);
            throw StoreFailures.failed("open the session store", e, file);
        } catch (RuntimeException e) {
            closeAfterFailedOpen(connection, readers, lock);
            throw e;
        }
    }

    /**
     * The write connection; on a disk too full to open it (opening writes: WAL recovery, marking sessions
     * interrupted), the reserve is given up for it, and if even that is not enough, null: the store starts
     * read-only, serving reads and refusing writes until space returns.
     */
    private static Connection openWriterOnAFullDisk(Path file, Headroom headroom) {
        try {
            return StoreDatabase.openWriter(file);
        } catch (StoreException e) {
            if (!StoreFailures.isDiskFull(e)) {
                throw e;
            }
            if (headroom.releaseForOpen()) {
                headroom.markFull();
                try {
                    Connection connection = StoreDatabase.openWriter(file);
                    LOG.warning("disk full: opened " + file + " with the space of its reserve; writes other than"
                            + " sessions' own recovery are refused until space returns");
                    return connection;
                } catch (StoreException again) {
                    if (!StoreFailures.isDiskFull(again)) {
                        throw again;
                    }
                }
            }
            headroom.markFull();
            LOG.warning("disk full: opened " + file + " read-only (" + e.getMessage() + "). Sessions and events can"
                    + " be read; writes are refused until space returns.");
            return null;
        }
    }

    private static void closeAfterFailedOpen(Connection connection, ReadPool readers, DataDirLock lock) {
        if (readers != null) {
            readers.close();
        }
        if (connection != null) {
            StoreDatabase.closeQuietly(connection);
        }
        lock.close();
    }

    @Override
    public SessionRecord create(SessionSpec spec) {
        Objects.requireNonNull(spec, "spec");
        String id = spec.sessionId();
        // The id of a deleted session whose events are still being removed: the create finishes that removal
        // first, and only then makes the new row. The simplest rule that keeps both promises: the new session never
        // sees an old event (reads find a session's events by its id) and starts again at sequence 1 (old rows
        // would collide on the primary key), and the remover never touches the new session's events (it removes
        // only under the mark, which the create drops). It does so a chunk at a time, each its own write as the
        // remover's, so re-creating a huge session's id stalls no other session either; the create's transaction
        // then removes what is left (nothing, or what the remover's last chunk had not yet reached) with the mark.
        if (remover.isPending(id) && !writer.isWriterThread()) {
            int rows = remover.chunkRows();
            while (!writer.execute("remove the events of deleted session '" + id + "' before creating it again",
                    tx -> SessionRemover.removeChunk(tx.connection(), id, rows)).finished()) {
                // next chunk, behind whatever other sessions queued meanwhile
            }
        }
        return writer.execute("create session '" + id + "'", tx -> {
            long now = System.currentTimeMillis();
            SessionRemover.finish(tx.connection(), id);
            if (!SessionTable.insert(tx.connection(), spec, now)) {
                throw new SessionExistsException(id);
            }
            tx.afterCommit(() -> sequences.created(id));
            return new SessionRecord(spec, SessionState.ACTIVE, null, 0, now, now);
        });
    }

    @Override
    public Optional<SessionRecord> get(String sessionId) {
        Objects.requireNonNull(sessionId, "sessionId");
        return readers.query("read session '" + sessionId + "'",
                c -> SessionTable.find(c, readers.schemaVersion(), sessionId));
    }

    @Override
    public List<SessionRecord> list() {
        return readers.query("list sessions", c -> SessionTable.all(c, readers.schemaVersion()));
    }

    /** @throws StoreException "unknown session" if there is no such session */
    @Override
    public void setState(String sessionId, SessionState state) {
        Objects.requireNonNull(state, "state");
        updateSession(sessionId, "set the state of session '" + sessionId + "'",
                (c, now) -> SessionTable.updateState(c, sessionId, state, now));
    }

    /** @throws StoreException "unknown session" if there is no such session */
    @Override
    public void setNativeSessionId(String sessionId, String nativeSessionId) {
        updateSession(sessionId, "set the native session id of session '" + sessionId + "'",
                (c, now) -> SessionTable.updateNativeSessionId(c, sessionId, nativeSessionId, now));
    }

    /**
     * Also removes the idempotency keys whose scope is the session id. Appends still queued for it fail. One short
     * transaction, whatever the session's length: it marks the session's row, and from its commit on the session is
     * gone to every read and write; its events are removed afterwards a chunk at a time ({@link SessionRemover}),
     * between other sessions' commits, and the mark with the last of them.
     */
    @Override
    public boolean delete(String sessionId) {
        Objects.requireNonNull(sessionId, "sessionId");
        // Essential: deleting is how a user makes room on a full disk (the removal's chunks wait for the space).
        return writer.execute("delete session '" + sessionId + "'", tx -> {
            IdempotencyKeyTable.deleteScope(tx.connection(), sessionId);
            boolean existed = SessionTable.markRemoving(tx.connection(), sessionId);
            tx.afterCommit(() -> {
                sequences.deleted(sessionId);
                if (existed) {
                    remover.schedule(sessionId);
                }
            });
            return existed;
        }, true);
    }

    /**
     * Waits until the events of every deleted session are removed, for tests and tools (the benchmark): false if
     * {@code timeoutMillis} passed first, or the store was closed with some left (the next open resumes them).
     */
    public boolean awaitRemovals(long timeoutMillis) throws InterruptedException {
        return remover.awaitIdle(timeoutMillis);
    }

    /**
     * See {@link SessionStore#append}. The future completes on the writer thread, except that it is already
     * failed when the session is unknown or the store closed, and already completed for an empty list. Blocks
     * while the write queue is full (see the class comment).
     */
    @Override
    public CompletableFuture<List<UniversalEvent>> append(String sessionId, List<EventDraft> drafts) {
        return append(sessionId, drafts, false);
    }

    @Override
    public CompletableFuture<List<UniversalEvent>> appendEssential(String sessionId, List<EventDraft> drafts) {
        return append(sessionId, drafts, true);
    }

    @Override
    public void paceAppends(AppendPacer pacer) {
        this.pacer = Objects.requireNonNull(pacer, "pacer");
    }

    @Override
    public void commitOnAppendingThreadWhen(java.util.function.BooleanSupplier mayCommitHere) {
        this.mayCommitHere = Objects.requireNonNull(mayCommitHere, "mayCommitHere");
    }

    @Override
    public boolean diskFull() {
        return writer.diskFull();
    }

    @Override
    public Optional<String> corruption() {
        return Optional.ofNullable(writer.corruption());
    }

    /**
     * The background check of the whole file started at open: completes with what it found (empty: nothing, or
     * it could not run, which it logs). For tests and tools that must know the check is over.
     */
    public CompletableFuture<Optional<String>> integrityChecked() {
        return integrity.result();
    }

    private CompletableFuture<List<UniversalEvent>> append(String sessionId, List<EventDraft> drafts,
                                                           boolean essential) {
        Objects.requireNonNull(sessionId, "sessionId");
        List<EventDraft> copy = List.copyOf(drafts);
        if (!sequences.isKnown(sessionId)) {
            return CompletableFuture.failedFuture(StoreFailures.unknownSession(sessionId));
        }
        if (copy.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        WriteRequest.Append append = new WriteRequest.Append(sessionId, copy, System.currentTimeMillis(),
                new CompletableFuture<>(), essential);
        boolean mayBlock = !writer.isWriterThread();
        try {
            if (mayBlock) {
                pacer.beforeAppend(sessionId, copy.size(), () -> queue.queuedDrafts(sessionId));
            }
            boolean inline = mayBlock && copy.size() <= INLINE_MAX_DRAFTS && mayCommitHere.getAsBoolean();
            queue.putAppend(append, mayBlock, !inline);
            if (inline) {
                writer.commitQueuedIfIdle();
            }
        } catch (StoreException e) {
            return CompletableFuture.failedFuture(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(new StoreException("interrupted while waiting for room in the"
                    + " write queue; none of the " + copy.size() + " events was stored", e));
        }
        return append.result();
    }

    /**
     * Events carry their stored bytes as they are (nothing is parsed until a decoded field is asked for). An unknown
     * session has no events.
     */
    @Override
    public List<UniversalEvent> read(String sessionId, long afterSequence, int limit) {
        Objects.requireNonNull(sessionId, "sessionId");
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        if (limit == 0) {
            return List.of();
        }
        return readers.query("read the events of session '" + sessionId + "'",
                c -> EventTable.page(c, readers.schemaVersion(), sessionId, afterSequence, limit));
    }

    @Override
    public Optional<UniversalEvent> lastOfTypes(String sessionId, Set<String> types) {
        Objects.requireNonNull(sessionId, "sessionId");
        if (types.isEmpty()) {
            return Optional.empty();
        }
        return readers.query("read the events of session '" + sessionId + "'",
                c -> EventTable.lastOfTypes(c, readers.schemaVersion(), sessionId, types));
    }

    @Override
    public void onCommit(Consumer<List<UniversalEvent>> listener) {
        writer.addListener(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public Optional<String> putIdempotencyKeyIfAbsent(String scope, String key, String value) {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        return writer.execute("record an idempotency key", tx -> {
            if (IdempotencyKeyTable.insertIfAbsent(tx.connection(), scope, key, value, System.currentTimeMillis())) {
                return Optional.empty();
            }
            return IdempotencyKeyTable.find(tx.connection(), scope, key);
        });
    }

    @Override
    public Optional<String> idempotencyKey(String scope, String key) {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(key, "key");
        return readers.query("read an idempotency key", c -> Schema.hasTables(readers.schemaVersion())
                ? IdempotencyKeyTable.find(c, scope, key) : Optional.empty());
    }

    /**
     * Refuses new appends and writes ("store is closed"), waits until the writer has committed everything already
     * queued, then closes the connections and releases the data directory. Idempotent.
     *
     * @throws IllegalStateException on the writer thread (a listener or future callback), which would wait for
     *                               itself
     */
    @Override
    public void close() {
        if (writer.isWriterThread()) {
            throw new IllegalStateException("close() must not be called from the session store's writer thread");
        }
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        integrity.cancel();
        remover.stop(); // before the queue closes: no chunk is queued after it, the marks stay for the next open
        queue.close();
        writer.awaitStopped();
        remover.awaitStopped();
        readers.close();
        writer.closeConnection();
        lock.close();
    }

    /** A change to one existing session's row. */
    @FunctionalInterface
    private interface SessionUpdate {
        boolean apply(Connection connection, long now) throws SQLException;
    }

    /** Essential: a session's state is part of recording how it stopped, also on a full disk. */
    private void updateSession(String sessionId, String description, SessionUpdate update) {
        Objects.requireNonNull(sessionId, "sessionId");
        writer.execute(description, tx -> {
            if (!update.apply(tx.connection(), System.currentTimeMillis())) {
                throw StoreFailures.unknownSession(sessionId);
            }
            return null;
        }, true);
    }
}
