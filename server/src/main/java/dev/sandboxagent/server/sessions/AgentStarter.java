package dev.sandboxagent.server.sessions;

import dev.sandboxagent.agents.AgentAdapter;
import dev.sandboxagent.agents.AgentCatalog;
import dev.sandboxagent.agents.AgentLaunch;
import dev.sandboxagent.agents.AgentProcess;
import dev.sandboxagent.agents.AgentStartException;
import dev.sandboxagent.server.files.DataDirectory;
import dev.sandboxagent.store.SessionRecord;
import dev.sandboxagent.store.SessionSpec;
import dev.sandboxagent.store.SessionState;
import dev.sandboxagent.store.SessionStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Starts and resumes sessions' agents: the launch with the session's private state directory, the environment
 * (the server's, what runs now, and the credentials requests brought) and the live session that the agent reports
 * to. Called under the session's lock by {@link SessionManager}.
 */
final class AgentStarter {
    private final SessionStore store;
    private final AgentCatalog catalog;
    private final Path stateRoot;
    private final Map<String, String> agentEnvironment;
    private final Supplier<Map<String, String>> liveEnvironment;
    /** The manager's live sessions: a started agent's session is put here, and removed when it ends. */
    private final ConcurrentHashMap<String, LiveSession> live;
    /**
     * Credentials that requests brought, per session, for its agent's environment. In memory only (never in the
     * store, events or logs), so after a restart the next request must bring them again, or the server's own
     * environment applies.
     */
    private final ConcurrentHashMap<String, Map<String, String>> credentials = new ConcurrentHashMap<>();
    private final AgentAdvertisements advertisements;
    private volatile boolean closing;
    private volatile java.util.function.BiConsumer<String, String> notices = (sessionId, text) -> {
    };

    AgentStarter(SessionStore store, AgentCatalog catalog, Path stateRoot, Map<String, String> agentEnvironment,
                 Supplier<Map<String, String>> liveEnvironment, ConcurrentHashMap<String, LiveSession> live,
                 AgentAdvertisements advertisements) {
        this.advertisements = advertisements;
        this.store = store;
        this.catalog = catalog;
        this.stateRoot = stateRoot;
        this.agentEnvironment = Map.copyOf(agentEnvironment);
        this.liveEnvironment = liveEnvironment;
        this.live = live;
    }

    void onNotice(java.util.function.BiConsumer<String, String> notices) {
        this.notices = java.util.Objects.requireNonNull(notices, "notices");
    }

    /** From now on every start is refused: the server is stopping. */
    void stopStarting() {
        closing = true;
    }

    AgentAdapter adapterFor(String agent) {
        return catalog.find(agent).orElseThrow(() -> SessionErrors.unknownAgent(agent, catalog.ids()));
    }

    /** Whether a request brings credentials other than those the session's agent runs with. */
    boolean changesCredentials(String sessionId, Map<String, String> given) {
        return !given.isEmpty() && !given.equals(credentials.get(sessionId));
    }

    /** Keeps a request's credentials for the session's next agent start (none: keeps what there was). */
    void rememberCredentials(String sessionId, Map<String, String> given) {
        if (!given.isEmpty()) {
            credentials.put(sessionId, Map.copyOf(given));
        }
    }

    void forgetCredentials(String sessionId) {
        credentials.remove(sessionId);
    }

    /**
     * Starts the agent of a stored session that is not live, and records that it runs. On a full disk the answer is
     * the one every write refused for lack of space gets (503, docs/operations.md "A full disk"), whichever finds no
     * room first, and nothing is changed: the agent's files (prepared before anything is stored; the adapter leaves
     * no half-written file) or the store (then the agent just started is stopped again). Nothing here asks
     * {@link SessionStore#diskFull()} first: the store learns that space has returned only by trying a write, so a
     * resume refused on that flag alone would be refused for as long as nothing else writes.
     */
    LiveSession resume(SessionRecord record) {
        AgentAdapter adapter = adapterFor(record.spec().agent());
        LiveSession session;
        try {
            session = startAgent(record, adapter, record.nativeSessionId());
        } catch (AgentStartException e) {
            throw SessionErrors.noSpaceLeft(e)
                    ? SessionErrors.diskFull(record.sessionId(), e.getMessage())
                    : SessionErrors.agentStartFailed(record.sessionId(), e.getMessage());
        }
        try {
            // Waited for, unlike the agent's own events: refused (disk full), the session stays as it was.
            store.append(record.sessionId(), List.of(EventData.sessionResumed(session.nativeSessionId()))).join();
        } catch (RuntimeException e) {
            session.stopQuietly(SessionManager.STOP_GRACE);
            live.remove(record.sessionId(), session);
            throw e;
        }
        store.setState(record.sessionId(), SessionState.ACTIVE);
        return session;
    }

    LiveSession startAgent(SessionRecord record, AgentAdapter adapter, String resumeNativeId)
            throws AgentStartException {
        if (closing) {
            throw SessionErrors.stopping();
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
        process.advertised().ifPresent(options -> advertisements.remember(spec.agent(), options));
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
}
