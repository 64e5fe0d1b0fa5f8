package dev.sandboxagent.server.sessions;

import static dev.sandboxagent.schema.EventType.TURN_ENDED;
import static dev.sandboxagent.schema.EventType.TURN_STARTED;

import dev.sandboxagent.agents.AgentAdapter;
import dev.sandboxagent.agents.AgentCatalog;
import dev.sandboxagent.agents.AgentDescriptor;
import dev.sandboxagent.agents.AgentLaunch;
import dev.sandboxagent.agents.AgentProcess;
import dev.sandboxagent.agents.AgentStartException;
import dev.sandboxagent.server.http.ApiException;
import dev.sandboxagent.server.files.DataDirectory;
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
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Owns the sessions: creates them, starts and resumes their agents, enforces one turn at a time, and ends them.
 * Every method blocks (store and process work) and is called from worker threads, never from an event loop.
 *
 * <p>Lifecycle changes of one session (create, resume, terminate, delete) are serialised by a per-session lock;
 * turn state lives in {@link LiveSession}.
 */
public final class SessionManager implements AutoCloseable {
    private static final System.Logger LOG = dev.sandboxagent.server.http.SafeLog.logger(SessionManager.class);
    static final Duration STOP_GRACE = Duration.ofSeconds(5);
    private static final String CREATE_KEY = "create:";
    private static final String MESSAGE_KEY = "message:";
    private static final java.util.Set<String> TURN_BOUNDARIES = java.util.Set.of(TURN_STARTED.wire(), TURN_ENDED.wire());

    private final SessionStore store;
    private final AgentCatalog catalog;
    private final Path stateRoot;
    private final Path defaultDirectory;
    private final Map<String, String> agentEnvironment;
    private final Supplier<Map<String, String>> liveEnvironment;
    private final ConcurrentHashMap<String, LiveSession> live = new ConcurrentHashMap<>();
    /**
     * Credentials that requests brought, per session, for its agent's environment. In memory only (never in the
     * store, events or logs), so after a restart the next request must bring them again, or the server's own
     * environment applies.
     */
    private final ConcurrentHashMap<String, Map<String, String>> credentials = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();
    /** Per session, the turn of a message being accepted right now (see {@link #sendMessage}). */
    private final ConcurrentHashMap<String, String> admitting = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private volatile boolean closing;
    private volatile java.util.function.BiConsumer<String, String> notices = (sessionId, text) -> {
    };

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
        this.liveEnvironment = liveEnvironment;
        this.store = store;
        this.catalog = catalog;
        this.stateRoot = dataDir.resolve("sessions");
        this.defaultDirectory = defaultDirectory;
        this.agentEnvironment = Map.copyOf(agentEnvironment);
    }

    /**
     * Where to send what a session's stream clients must hear before the store can write it (events lost to a full
     * disk): (session id, one line of text).
     */
    public void onNotice(java.util.function.BiConsumer<String, String> notices) {
        this.notices = java.util.Objects.requireNonNull(notices, "notices");
    }

    /** The outcome of a create: the session, and whether its agent started. */
    public record Created(SessionInfo session, boolean healthy, String error) {
    }

    public Created create(CreateRequest requested, String idempotencyKey, Map<String, String> credentials) {
        String id = requested.sessionId();
        synchronized (lockFor(id)) {
            if (idempotencyKey != null && store.idempotencyKey(id, CREATE_KEY + idempotencyKey).isPresent()) {
                return replayCreate(id);
            }

            AgentAdapter adapter = adapterFor(requested.agent());
            SessionSpec spec = withDefaults(requested, adapter.descriptor());
            SessionRecord record;
            try {
                record = store.create(spec);
            } catch (SessionExistsException e) {
                throw SessionErrors.exists(id);
            }
            if (!credentials.isEmpty()) {
                this.credentials.put(id, Map.copyOf(credentials));
            }
            if (idempotencyKey != null) {
                store.putIdempotencyKeyIfAbsent(id, CREATE_KEY + idempotencyKey, "created");
            }
            store.append(id, List.of(EventData.sessionStarted(spec.agent(), spec.agentMode(), spec.permissionMode(),
                    spec.directory(), spec.model()))).join();
            String error = null;
            try {
                startAgent(record, adapter, null);
            } catch (AgentStartException e) {
                error = e.getMessage();
                endAfterFailedStart(id, error);
            }
            SessionRecord now = store.get(id).orElse(record);
            return new Created(info(now), error == null, error);
        }
    }

    private Created replayCreate(String id) {
        SessionRecord record = store.get(id).orElseThrow(() -> ApiException.sessionNotFound(id));
        boolean healthy = record.state() != SessionState.ENDED;
        return new Created(info(record), healthy, healthy ? null : "the session has ended");
    }

    public SessionInfo get(String id) {
        return info(record(id));
    }

    /** Newest first, as the anchor lists them: a client showing "recent sessions" takes the head of the list. */
    public List<SessionInfo> list() {
        List<SessionInfo> all = new ArrayList<>(store.list().stream().map(this::info).toList());
        java.util.Collections.reverse(all); // the store lists oldest first
        return List.copyOf(all);
    }

    /**
     * Starts a turn; resumes the agent first if the server restarted since the session was live.
     *
     * <p>One turn at a time, counted from the moment a message arrives: a message that arrives while another is
     * being accepted, or while a turn runs (until its {@code turn.ended} is stored), is refused with 409 and that
     * turn's id. So of two messages sent together exactly one is accepted, however short its turn; they are never
     * queued to run one after the other.
     */
    public TurnStart sendMessage(String id, String message, String idempotencyKey,
                                 Map<String, String> credentials) {
        if (idempotencyKey != null) {
            Optional<String> earlier = store.idempotencyKey(id, MESSAGE_KEY + idempotencyKey);
            if (earlier.isPresent()) {
                record(id);
                return new TurnStart(earlier.get(), 0, true);
            }
        }
        String turnId = "turn_" + randomId();
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
            SessionRecord record = record(id);
            if (idempotencyKey != null) {
                Optional<String> earlier = store.idempotencyKey(id, MESSAGE_KEY + idempotencyKey);
                if (earlier.isPresent()) {
                    return new TurnStart(earlier.get(), 0, true);
                }
            }
            if (record.state() == SessionState.ENDED) {
                throw SessionErrors.ended(id);
            }
            LiveSession session = live.get(id);
            if (!credentials.isEmpty() && !credentials.equals(this.credentials.get(id))) {
                if (session != null && session.runningTurnId() != null) {
                    throw SessionErrors.busy(id, session.runningTurnId());
                }
                this.credentials.put(id, Map.copyOf(credentials));
                if (session != null) {
                    // The agent's environment is fixed when it starts: restart it, resuming its conversation.
                    session.stopQuietly(STOP_GRACE);
                    live.remove(id, session);
                    session = null;
                }
            }
            if (session == null) {
                session = resume(record);
            }
            String busyWith = session.runningTurnId();
            if (busyWith != null) {
                throw SessionErrors.busy(id, busyWith);
            }
            if (idempotencyKey != null) {
                store.putIdempotencyKeyIfAbsent(id, MESSAGE_KEY + idempotencyKey, turnId);
            }
            List<UniversalEvent> first = session.startTurn(turnId, message);
            return new TurnStart(turnId, first.get(0).sequence(), false);
        }
    }

    public String interrupt(String id) {
        record(id);
        return liveSession(id).interrupt();
    }

    public void replyPermission(String id, String permissionId, String reply) {
        record(id);
        liveOrNotFound(id, () -> SessionErrors.noPendingPermission(id, permissionId))
                .replyPermission(permissionId, reply);
    }

    public void replyQuestion(String id, String questionId, List<List<String>> answers) {
        record(id);
        liveOrNotFound(id, () -> SessionErrors.noPendingQuestion(id, questionId)).replyQuestion(questionId, answers);
    }

    public void rejectQuestion(String id, String questionId) {
        record(id);
        liveOrNotFound(id, () -> SessionErrors.noPendingQuestion(id, questionId)).rejectQuestion(questionId);
    }

    /** Ends the session: stops its agent (if live) and records {@code session.ended}. Ending twice is a no-op. */
    public void terminate(String id) {
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
    public void delete(String id) {
        synchronized (lockFor(id)) {
            record(id);
            LiveSession session = live.remove(id);
            if (session != null) {
                session.stopQuietly(STOP_GRACE);
            }
            store.delete(id);
            credentials.remove(id);
            deleteTree(stateRoot.resolve(id));
        }
        locks.remove(id);
    }

    public SessionRecord record(String id) {
        return store.get(id).orElseThrow(() -> ApiException.sessionNotFound(id));
    }

    /**
     * After a crash, an interrupted session's transcript may end inside a turn: {@code turn.started} with no
     * {@code turn.ended}. Close such turns now, so clients waiting for a turn to end are not left waiting forever.
     * Runs before the server listens; the store finds each session's last turn event by its index, from the end,
     * without loading the events in between, so this costs little however long the transcripts are.
     *
     * @return how many turns were closed
     */
    public int closeInterruptedTurns() {
        int closed = 0;
        for (SessionRecord record : store.list()) {
            if (record.state() != SessionState.INTERRUPTED) {
                continue;
            }
            Optional<UniversalEvent> last = store.lastOfTypes(record.sessionId(), TURN_BOUNDARIES);
            String dangling = last.filter(e -> TURN_STARTED.is(e.type()))
                    .map(e -> e.data().path("turn_id").asText(null))
                    .orElse(null);
            if (dangling != null) {
                store.appendEssential(record.sessionId(), List.of(EventData.turnEnded(dangling, "interrupted")))
                        .join();
                closed++;
            }
        }
        return closed;
    }

    /** Stops every agent without ending sessions: after a restart they are listed as interrupted and resume. */
    @Override
    public void close() {
        closing = true;
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

    private LiveSession resume(SessionRecord record) {
        AgentAdapter adapter = adapterFor(record.spec().agent());
        try {
            LiveSession session = startAgent(record, adapter, record.nativeSessionId());
            store.append(record.sessionId(), List.of(EventData.sessionResumed(session.nativeSessionId())));
            store.setState(record.sessionId(), SessionState.ACTIVE);
            return session;
        } catch (AgentStartException e) {
            throw ApiException.of(502, "agent_start_failed", "Agent did not start",
                    "could not resume session '" + record.sessionId() + "': " + e.getMessage());
        }
    }

    private LiveSession startAgent(SessionRecord record, AgentAdapter adapter, String resumeNativeId)
            throws AgentStartException {
        if (closing) {
            throw ApiException.of(503, "server_stopping", "Server stopping", "the server is shutting down");
        }
        SessionSpec spec = record.spec();
        Path stateDir = stateRoot.resolve(spec.sessionId());
        try {
            // 0700: the agent's home, its config and conversation files, is for this user only.
            DataDirectory.createPrivateDirectories(stateDir);
        } catch (IOException e) {
            throw new AgentStartException("cannot create the session's state directory " + stateDir, e);
        }
        LiveSession session = new LiveSession(spec.sessionId(), store, resumeNativeId,
                ended -> live.remove(spec.sessionId(), ended), (sessionId, text) -> notices.accept(sessionId, text));
        Map<String, String> environment = new HashMap<>(environmentNow());
        environment.putAll(credentials.getOrDefault(spec.sessionId(), Map.of()));
        AgentLaunch launch = new AgentLaunch(spec.sessionId(), Path.of(spec.directory()), stateDir,
                spec.agentMode(), spec.permissionMode(), spec.model(), resumeNativeId, environment);
        AgentProcess process = adapter.start(launch, session);
        session.attach(process);
        live.put(spec.sessionId(), session);
        return session;
    }

    private Map<String, String> environmentNow() {
        Map<String, String> live = liveEnvironment.get();
        if (live.isEmpty()) {
            return agentEnvironment;
        }
        Map<String, String> merged = new java.util.HashMap<>(agentEnvironment);
        merged.putAll(live);
        return Map.copyOf(merged);
    }

    private void endAfterFailedStart(String id, String error) {
        LOG.log(Level.WARNING, "session " + id + ": agent did not start: " + error);
        store.appendEssential(id, List.of(EventData.sessionEndedFailedStart(error))).join();
        store.setState(id, SessionState.ENDED);
    }

    private AgentAdapter adapterFor(String agent) {
        return catalog.find(agent).orElseThrow(() -> ApiException.unknownAgent(agent, catalog.ids()));
    }

    private SessionSpec withDefaults(CreateRequest s, AgentDescriptor agent) {
        List<String> modes = agent.modes().stream().map(AgentDescriptor.AgentMode::id).toList();
        String agentMode = s.agentMode() != null ? s.agentMode() : modes.isEmpty() ? "default" : modes.get(0);
        if (!modes.isEmpty() && !modes.contains(agentMode)) {
            throw SessionErrors.unsupportedMode("agentMode", agentMode, modes);
        }
        List<String> permissionModes = agent.permissionModes();
        String permissionMode = s.permissionMode() != null ? s.permissionMode() : "default";
        if (!permissionModes.isEmpty() && !permissionModes.contains(permissionMode)) {
            throw SessionErrors.unsupportedMode("permissionMode", permissionMode, permissionModes);
        }
        Path directory = s.directory() != null ? Path.of(s.directory()) : defaultDirectory;
        if (!directory.isAbsolute()) {
            throw ApiException.invalid("directory must be an absolute path, got '" + s.directory() + "'");
        }
        if (!Files.isDirectory(directory)) {
            throw ApiException.invalid("directory '" + directory + "' does not exist or is not a directory");
        }
        return new SessionSpec(s.sessionId(), s.agent(), agentMode, permissionMode, s.model(), s.variant(),
                directory.normalize().toString(), s.title());
    }

    private SessionInfo info(SessionRecord record) {
        LiveSession session = live.get(record.sessionId());
        return SessionInfo.of(record, session == null ? null : session.runningTurnId());
    }

    private LiveSession liveSession(String id) {
        LiveSession session = live.get(id);
        if (session == null) {
            throw SessionErrors.idle(id);
        }
        return session;
    }

    private LiveSession liveOrNotFound(String id, java.util.function.Supplier<ApiException> notFound) {
        LiveSession session = live.get(id);
        if (session == null) {
            throw notFound.get();
        }
        return session;
    }

    private Object lockFor(String id) {
        return locks.computeIfAbsent(id, k -> new Object());
    }

    private String randomId() {
        byte[] bytes = new byte[8];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
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
