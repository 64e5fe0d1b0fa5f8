package dev.sandboxagent.server.sessions;

import dev.sandboxagent.agents.AgentAdapter;
import dev.sandboxagent.agents.AgentCatalog;
import dev.sandboxagent.agents.AgentDescriptor;
import dev.sandboxagent.agents.AgentStartException;
import dev.sandboxagent.store.SessionExistsException;
import dev.sandboxagent.store.SessionRecord;
import dev.sandboxagent.store.SessionSpec;
import dev.sandboxagent.store.SessionState;
import dev.sandboxagent.store.SessionStore;
import dev.sandboxagent.store.UniversalEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The sessions' lifecycle: create, resume, one turn at a time, terminate, delete. Every method blocks (store and
 * process work) and is called from worker threads, never from an event loop. Refusals are
 * {@link SessionException}s; the routes answer them.
 *
 * <p>Lifecycle changes of one session (create, resume, terminate, delete) are serialised by a per-session lock;
 * turn state lives in {@link LiveSession}; starting agents (environment, credentials) in {@link AgentStarter};
 * Idempotency-Keys in {@link IdempotencyKeys}.
 */
public final class SessionManager implements AutoCloseable {
    private static final System.Logger LOG = dev.sandboxagent.server.http.SafeLog.logger(SessionManager.class);
    static final Duration STOP_GRACE = Duration.ofSeconds(5);

    private final SessionStore store;
    private final Path stateRoot;
    private final Path defaultDirectory;
    private final ConcurrentHashMap<String, LiveSession> live = new ConcurrentHashMap<>();
    private final AgentStarter agents;
    private final IdempotencyKeys keys;
    private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();
    /** Per session, the turn of a message being accepted right now (see {@link #sendMessage}). */
    private final ConcurrentHashMap<String, String> admitting = new ConcurrentHashMap<>();
    private final TurnIds turnIds = new TurnIds();
    private volatile MissingAgents missingAgents = MissingAgents.NONE;
    private final AgentAdvertisements advertisements = new AgentAdvertisements();

    public SessionManager(SessionStore store, AgentCatalog catalog, Path dataDir, Path defaultDirectory,
                          Map<String, String> agentEnvironment) {
        this(store, catalog, dataDir, defaultDirectory, agentEnvironment, Map::of);
    }

    /**
     * @param liveEnvironment asked at each agent start, for variables that depend on what runs now (DOCKER_HOST
     *                        while the warm engine is ready); wins over {@code agentEnvironment}
     */
    public SessionManager(SessionStore store, AgentCatalog catalog, Path dataDir, Path defaultDirectory,
                          Map<String, String> agentEnvironment, Supplier<Map<String, String>> liveEnvironment) {
        this.store = store;
        this.stateRoot = dataDir.resolve("sessions");
        this.defaultDirectory = defaultDirectory;
        this.agents = new AgentStarter(store, catalog, stateRoot, agentEnvironment, liveEnvironment, live,
                advertisements);
        this.keys = new IdempotencyKeys(store);
    }

    /**
     * Where to send what a session's stream clients must hear before the store can write it (events lost to a full
     * disk): (session id, one line of text).
     */
    public void onNotice(java.util.function.BiConsumer<String, String> notices) {
        agents.onNotice(notices);
    }

    /** What each agent advertised as its latest session started (modes, models), for the agents' routes. */
    public AgentAdvertisements advertisements() {
        return advertisements;
    }

    /** Who installs an agent that a create asks for and that is not installed yet. */
    public void onMissingAgent(MissingAgents missingAgents) {
        this.missingAgents = java.util.Objects.requireNonNull(missingAgents, "missingAgents");
    }

    /** The outcome of a create: the session, and whether its agent started. */
    record Created(SessionInfo session, boolean healthy, String error) {
    }

    Created create(CreateRequest requested, String idempotencyKey, Map<String, String> credentials) {
        String id = requested.sessionId();
        synchronized (lockFor(id)) {
            if (idempotencyKey != null && keys.created(id, idempotencyKey)) {
                return replayCreate(id);
            }

            AgentAdapter adapter = agents.adapterFor(requested.agent());
            if (store.get(id).isPresent()) {
                throw SessionErrors.exists(id); // before any install: it would be for nothing
            }
            // Installed before anything is stored: a failed install leaves no session to block the id.
            if (adapter.npmPackage().isPresent() && !adapter.descriptor().installed()) {
                if (!requested.install()) {
                    throw SessionErrors.notInstalled(requested.agent());
                }
                missingAgents.ensureInstalled(requested.agent(), adapter);
            }
            SessionSpec spec = withDefaults(requested, adapter.descriptor());
            SessionRecord record;
            try {
                record = store.create(spec);
            } catch (SessionExistsException e) {
                throw SessionErrors.exists(id);
            }
            agents.rememberCredentials(id, credentials);
            if (idempotencyKey != null) {
                keys.recordCreate(id, idempotencyKey);
            }
            store.append(id, List.of(EventData.sessionStarted(spec.agent(), spec.agentMode(), spec.permissionMode(),
                    spec.directory(), spec.model()))).join();
            String error = null;
            try {
                agents.startAgent(record, adapter, null);
            } catch (AgentStartException e) {
                error = e.getMessage();
                endAfterFailedStart(id, error);
            }
            SessionRecord now = store.get(id).orElse(record);
            return new Created(info(now), error == null, error);
        }
    }

    private Created replayCreate(String id) {
        SessionRecord record = record(id);
        boolean healthy = record.state() != SessionState.ENDED;
        return new Created(info(record), healthy, healthy ? null : "the session has ended");
    }

    SessionInfo get(String id) {
        return info(record(id));
    }

    /** Newest first, as the anchor lists them: a client showing "recent sessions" takes the head of the list. */
    List<SessionInfo> list() {
        List<SessionInfo> all = new ArrayList<>(store.list().stream().map(this::info).toList());
        java.util.Collections.reverse(all); // the store lists oldest first
        return List.copyOf(all);
    }

    /**
     * Starts a turn; resumes the agent first if the server restarted since the session was live.
     *
     * <p>One turn at a time, counted from the moment a message arrives: a message that arrives while another is
     * being accepted, or while a turn runs (until its {@code turn.ended} is stored), is refused as busy, with that
     * turn's id. So of two messages sent together exactly one is accepted, however short its turn; they are never
     * queued to run one after the other.
     */
    TurnStart sendMessage(String id, String message, String idempotencyKey, Map<String, String> credentials) {
        if (idempotencyKey != null) {
            Optional<String> earlier = keys.turn(id, idempotencyKey);
            if (earlier.isPresent()) {
                record(id);
                return new TurnStart(earlier.get(), 0, true);
            }
        }
        String turnId = turnIds.next();
        String accepting = admitting.putIfAbsent(id, turnId);
        if (accepting != null) {
            throw SessionErrors.busy(id, accepting);
        }
        try {
            return startTurn(id, turnId, message, idempotencyKey, credentials);
        } finally {
            // By now the live session holds the turn (or it was refused): no moment with neither.
            admitting.remove(id, turnId);
        }
    }

    private TurnStart startTurn(String id, String turnId, String message, String idempotencyKey,
                                Map<String, String> credentials) {
        synchronized (lockFor(id)) {
            LiveSession session = live.get(id);
            // A live session that has not ended exists and is not ended: it is deleted from this map, under this
            // lock, before its record goes, and it knows it has ended before its record says so. So the record (a
            // store query on every message) is read only for a session that is not live, or whose agent has just
            // exited (then, as before, the record decides whether the session has ended).
            SessionRecord record = session == null || session.ended() ? record(id) : null;
            if (idempotencyKey != null) {
                Optional<String> earlier = keys.turn(id, idempotencyKey);
                if (earlier.isPresent()) {
                    return new TurnStart(earlier.get(), 0, true);
                }
            }
            if (record != null && record.state() == SessionState.ENDED) {
                throw SessionErrors.ended(id);
            }
            if (agents.changesCredentials(id, credentials)) {
                if (session != null && session.runningTurnId() != null) {
                    throw SessionErrors.busy(id, session.runningTurnId());
                }
                agents.rememberCredentials(id, credentials);
                if (session != null) {
                    // The agent's environment is fixed when it starts: restart it, resuming its conversation.
                    session.stopQuietly(STOP_GRACE);
                    live.remove(id, session);
                    session = null;
                }
            }
            if (session == null) {
                session = agents.resume(record != null ? record : record(id));
            }
            String busyWith = session.runningTurnId();
            if (busyWith != null) {
                throw SessionErrors.busy(id, busyWith);
            }
            if (idempotencyKey != null) {
                keys.recordTurn(id, idempotencyKey, turnId);
            }
            List<UniversalEvent> first = session.startTurn(turnId, message);
            return new TurnStart(turnId, first.get(0).sequence(), false);
        }
    }

    String interrupt(String id) {
        record(id);
        return liveSession(id).interrupt();
    }

    void replyPermission(String id, String permissionId, String reply) {
        record(id);
        liveOr(id, () -> SessionErrors.noPendingPermission(id, permissionId)).replyPermission(permissionId, reply);
    }

    void replyQuestion(String id, String questionId, List<List<String>> answers) {
        record(id);
        liveOr(id, () -> SessionErrors.noPendingQuestion(id, questionId)).replyQuestion(questionId, answers);
    }

    void rejectQuestion(String id, String questionId) {
        record(id);
        liveOr(id, () -> SessionErrors.noPendingQuestion(id, questionId)).rejectQuestion(questionId);
    }

    /** Ends the session: stops its agent (if live) and records {@code session.ended}. Ending twice is a no-op. */
    void terminate(String id) {
        synchronized (lockFor(id)) {
            SessionRecord record = record(id);
            LiveSession session = live.get(id);
            if (session != null) {
                session.terminate(STOP_GRACE); // its exit writes session.ended and marks the session ended
                return;
            }
            if (record.state() != SessionState.ENDED) {
                store.appendEssential(id, List.of(EventData.sessionEndedByRequest())).join();
                store.setState(id, SessionState.ENDED);
            }
        }
    }

    /** Stops the agent and removes the session with its events and private state directory. */
    void delete(String id) {
        synchronized (lockFor(id)) {
            record(id);
            LiveSession session = live.remove(id);
            if (session != null) {
                session.stopQuietly(STOP_GRACE);
            }
            store.delete(id);
            agents.forgetCredentials(id);
            deleteTree(stateRoot.resolve(id));
        }
        locks.remove(id);
    }

    SessionRecord record(String id) {
        return store.get(id).orElseThrow(() -> SessionErrors.notFound(id));
    }

    /** Stops every agent without ending sessions: after a restart they are listed as interrupted and resume. */
    @Override
    public void close() {
        agents.stopStarting();
        List<LiveSession> all = new ArrayList<>(live.values());
        // One thread per agent: each may take the whole grace period, and they should overlap, not queue.
        List<Thread> stoppers = all.stream()
                .map(s -> new Thread(() -> s.stopQuietly(STOP_GRACE), "stop-agent"))
                .toList();
        stoppers.forEach(Thread::start);
        for (Thread t : stoppers) {
            try {
                t.join(STOP_GRACE.toMillis() + 10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        live.clear();
    }

    private void endAfterFailedStart(String id, String error) {
        LOG.log(Level.WARNING, "session " + id + ": agent did not start: " + error);
        store.appendEssential(id, List.of(EventData.sessionEndedFailedStart(error))).join();
        store.setState(id, SessionState.ENDED);
    }

    /**
     * The agent's defaults for what the request left out, and its modes checked. The directory the request gave
     * was checked by the route (absolute, an existing directory); an absent one is the server's.
     */
    private SessionSpec withDefaults(CreateRequest s, AgentDescriptor agent) {
        List<String> modes = agent.modes().stream().map(AgentDescriptor.AgentMode::id).toList();
        String agentMode = s.agentMode() != null ? s.agentMode() : modes.isEmpty() ? "default" : modes.get(0);
        // Our modes, and those the agent itself advertised (GET .../modes lists the latter once known): the
        // adapter hands a mode of the agent's own to the agent.
        List<String> advertised = advertisements.latest(s.agent()).map(a -> a.modeIds()).orElse(List.of());
        if (!modes.isEmpty() && !modes.contains(agentMode) && !advertised.contains(agentMode)) {
            List<String> known = new ArrayList<>(advertised);
            modes.stream().filter(m -> !known.contains(m)).forEach(known::add);
            throw SessionErrors.unsupportedMode("agentMode", agentMode, known);
        }
        List<String> permissionModes = agent.permissionModes();
        String permissionMode = s.permissionMode() != null ? s.permissionMode() : "default";
        if (!permissionModes.isEmpty() && !permissionModes.contains(permissionMode)) {
            throw SessionErrors.unsupportedMode("permissionMode", permissionMode, permissionModes);
        }
        Path directory = s.directory() != null ? Path.of(s.directory()) : defaultDirectory;
        return new SessionSpec(s.sessionId(), s.agent(), agentMode, permissionMode, s.model(), s.variant(),
                directory.normalize().toString(), s.title());
    }

    private SessionInfo info(SessionRecord record) {
        LiveSession session = live.get(record.sessionId());
        if (session != null && session.ended()) {
            // The agent exited: session.ended is stored (and may already be on a client's stream) a moment before
            // the store's state says so; answer what the client has seen.
            return SessionInfo.of(record, null, true);
        }
        return SessionInfo.of(record, session == null ? null : session.runningTurnId(), false);
    }

    private LiveSession liveSession(String id) {
        LiveSession session = live.get(id);
        if (session == null) {
            throw SessionErrors.idle(id);
        }
        return session;
    }

    private LiveSession liveOr(String id, Supplier<SessionException> notLive) {
        LiveSession session = live.get(id);
        if (session == null) {
            throw notLive.get();
        }
        return session;
    }

    private Object lockFor(String id) {
        return locks.computeIfAbsent(id, k -> new Object());
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove " + root, e);
        }
    }
}
