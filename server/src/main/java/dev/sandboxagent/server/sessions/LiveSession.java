package dev.sandboxagent.server.sessions;

import static dev.sandboxagent.schema.EventType.TURN_ENDED;

import dev.sandboxagent.agents.AgentEvent;
import dev.sandboxagent.agents.AgentExit;
import dev.sandboxagent.agents.AgentListener;
import dev.sandboxagent.agents.AgentProcess;
import dev.sandboxagent.agents.AgentReplyException;
import dev.sandboxagent.schema.EventData.PermissionRequested;
import dev.sandboxagent.schema.EventData.PermissionResolved;
import dev.sandboxagent.schema.EventData.QuestionRequested;
import dev.sandboxagent.schema.EventData.QuestionResolved;
import dev.sandboxagent.store.EventDraft;
import dev.sandboxagent.store.SessionState;
import dev.sandboxagent.store.SessionStore;
import dev.sandboxagent.store.StoreException;
import dev.sandboxagent.store.UniversalEvent;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A session whose agent process runs under this server: the owner of its turn state.
 *
 * <p>Every event of the session is appended through {@link #append}, and the store numbers events in the order
 * appends are called, so the lock below makes "record state, then append" atomic for each change: a
 * {@code turn.started} can never be numbered before the {@code turn.ended} of the previous turn.
 */
final class LiveSession implements AgentListener {
    private static final System.Logger LOG = System.getLogger(LiveSession.class.getName());
    /** How long a reply waits for the agent to take it (a write to its terminal or pipe) before it is an error. */
    private static final long REPLY_WRITE_SECONDS = 10;

    private final String sessionId;
    private final SessionStore store;
    private final java.util.function.Consumer<LiveSession> onEnded;
    private final java.util.function.BiConsumer<String, String> notices;
    private volatile AgentProcess process;
    private volatile boolean shuttingDown;
    private final CompletableFuture<Void> exitRecorded = new CompletableFuture<>();

    /**
     * The turn clients see as running: set when a turn starts, cleared only once its {@code turn.ended} is stored
     * (so every event before it is too). A client that waits for idle and then reads the transcript gets all of
     * it. Cleared on the writer thread, so an atomic rather than this object's lock: an agent thread holding the
     * lock may be waiting for the writer to make room in its queue.
     */
    private final AtomicReference<String> openTurnId = new AtomicReference<>();
    /**
     * The turn whose {@code turn.ended} is being queued or stored: set under this object's lock just before the
     * append, so that {@link #runningTurnId()} knows when the lock-free answer may be stale (see there).
     */
    private volatile String endingTurnId;

    // Guarded by this.
    /** The turn the agent is running: cleared as soon as its turn.ended is queued, before it is stored. */
    private String runningTurnId;
    /**
     * Open requests by id, with what they asked (for closing them when their turn ends). The one record of what is
     * pending: the adapter is told to answer, and says so when it cannot.
     */
    private final Map<String, PermissionRequested> pendingPermissions = new LinkedHashMap<>();
    private final Map<String, QuestionRequested> pendingQuestions = new LinkedHashMap<>();
    /** The ids clients see for this process's requests: unique in the session across agent restarts. */
    private final RequestIds permissionIds = new RequestIds("p");
    private final RequestIds questionIds = new RequestIds("q");
    private boolean ended;
    private String nativeSessionId;
    /** Completes each item's start and deltas before it is stored (see ItemLifecycle for why). */
    private final ItemLifecycle items = new ItemLifecycle();
    /** A turn the store lost events of, stopped, whose remaining agent events are dropped until the agent ends it. */
    private String droppingTurnId;
    /** Whether the error and turn.ended that close {@link #damagedTurnId} are stored. */
    private boolean damageRecorded;

    /**
     * The turn whose events the store failed to write (disk full): set, once per turn, on the writer thread, which
     * then hands the recovery to another thread. Lost events are counted, not logged one by one.
     */
    private final AtomicReference<String> damagedTurnId = new AtomicReference<>();
    private final AtomicLong lostEvents = new AtomicLong();

    /**
     * @param notices told (session id, text) what clients of the session's streams should hear at once, before the
     *                store can write it (an SSE comment)
     */
    LiveSession(String sessionId, SessionStore store, String nativeSessionId,
                java.util.function.Consumer<LiveSession> onEnded,
                java.util.function.BiConsumer<String, String> notices) {
        this.sessionId = sessionId;
        this.store = store;
        this.nativeSessionId = nativeSessionId;
        this.onEnded = onEnded;
        this.notices = notices;
    }

    void attach(AgentProcess process) {
        this.process = process;
        String reported = process.nativeSessionId();
        if (reported != null) {
            recordNativeSessionId(reported);
        }
    }

    /**
     * The running turn as clients see it: until its turn.ended is stored. The store's writer completes an append
     * and then hands the events to SSE; the close is registered on that append's future only after the append has
     * been queued, under this object's lock. When the writer is quicker than that, a client can have seen
     * turn.ended while {@link #openTurnId} is still set: then the thread that queued it holds the lock, so waiting
     * for the lock gives the settled answer. Only then: a plain read otherwise, so that session info never waits.
     */
    String runningTurnId() {
        String open = openTurnId.get();
        if (open == null || !open.equals(endingTurnId)) {
            return open;
        }
        synchronized (this) {
            return openTurnId.get();
        }
    }

    synchronized boolean ended() {
        return ended;
    }

    synchronized String nativeSessionId() {
        return nativeSessionId;
    }

    /**
     * Starts a turn unless one runs, and returns its first events once stored. The agent is given the message only
     * then: if the store cannot write (disk full), the message is refused (the {@link StoreException} becomes a 503)
     * and no turn runs.
     */
    synchronized List<UniversalEvent> startTurn(String turnId, String message) {
        if (ended) {
            throw SessionErrors.ended(sessionId);
        }
        String open = runningTurnId();
        if (open != null) {
            throw SessionErrors.busy(sessionId, open);
        }
        List<UniversalEvent> stored;
        try {
            List<EventDraft> first = new ArrayList<>();
            first.add(EventData.turnStarted(turnId));
            first.addAll(items.expand(EventData.userMessage(turnId, message)));
            stored = store.append(sessionId, first).join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
        openTurnId.set(turnId);
        runningTurnId = turnId;
        permissionIds.turnStarted(stored.get(0).sequence());
        questionIds.turnStarted(stored.get(0).sequence());
        if (damagedTurnId.compareAndSet("", null)) {
            lostEvents.set(0); // the store writes again: a later loss starts a new episode, with its own count
        }
        process.startTurn(turnId, message);
        return stored;
    }

    synchronized String interrupt() {
        if (runningTurnId != null) {
            process.interrupt();
            return runningTurnId;
        }
        String ending = openTurnId.get();
        if (ending == null) {
            throw SessionErrors.idle(sessionId);
        }
        return ending; // the agent has finished it; its turn.ended is being stored
    }

    /** Answers a pending permission: {@code permissionId} is the session's id, the agent hears its own. */
    void replyPermission(String permissionId, String reply) {
        String agentId;
        synchronized (this) {
            agentId = permissionIds.agentId(permissionId);
            if (!pendingPermissions.containsKey(permissionId) || agentId == null) {
                throw SessionErrors.noPendingPermission(sessionId, permissionId);
            }
        }
        delivered("permission " + permissionId, process.replyPermission(agentId, reply));
    }

    void replyQuestion(String questionId, List<List<String>> answers) {
        delivered("question " + questionId, process.replyQuestion(pendingQuestionAgentId(questionId), answers));
    }

    void rejectQuestion(String questionId) {
        delivered("question " + questionId, process.rejectQuestion(pendingQuestionAgentId(questionId)));
    }

    /**
     * Waits (on the caller's worker thread) until the agent took the answer; an answer it could not take is the
     * client's error to see, never a silent 204.
     */
    private void delivered(String what, CompletableFuture<Void> reply) {
        try {
            reply.get(REPLY_WRITE_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AgentReplyException refused) {
                throw SessionErrors.replyNotDelivered(sessionId, what, refused);
            }
            throw SessionErrors.replyNotDelivered(sessionId, what, new AgentReplyException(
                    AgentReplyException.Reason.WRITE_FAILED, String.valueOf(e.getCause()), e.getCause()));
        } catch (TimeoutException e) {
            throw SessionErrors.replyNotDelivered(sessionId, what, new AgentReplyException(
                    AgentReplyException.Reason.WRITE_FAILED, "the agent did not read its input within "
                    + REPLY_WRITE_SECONDS + " s", e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SessionErrors.replyNotDelivered(sessionId, what, new AgentReplyException(
                    AgentReplyException.Reason.WRITE_FAILED, "interrupted while writing the answer", e));
        }
    }

    /** The agent's own id of a pending question the session knows as {@code questionId}. */
    private synchronized String pendingQuestionAgentId(String questionId) {
        String agentId = questionIds.agentId(questionId);
        if (!pendingQuestions.containsKey(questionId) || agentId == null) {
            throw SessionErrors.noPendingQuestion(sessionId, questionId);
        }
        return agentId;
    }

    /**
     * Stops the agent because a client asked, and returns once {@link #onExit} has recorded {@code session.ended},
     * so a client that reads the session right after sees it ended.
     */
    void terminate(Duration grace) {
        process.terminate(grace);
        try {
            exitRecorded.get(grace.toMillis() + 5_000, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.log(Level.WARNING, "session " + sessionId + ": exit not recorded in time after terminate");
        }
    }

    /**
     * Stops the agent without recording anything: the server is stopping (the session stays resumable) or the
     * session is being deleted (nothing is worth writing).
     */
    void stopQuietly(Duration grace) {
        shuttingDown = true;
        AgentProcess p = process;
        if (p != null && p.isAlive()) {
            p.terminate(grace);
        }
    }

    @Override
    public void onEvent(AgentEvent event) {
        onEvents(List.of(event));
    }

    /**
     * The events of one read of the agent's output, stored with one append (one commit, one wake-up of the writer
     * and of each stream: a mock turn's reply is four events in one read), in order. A turn's end is appended
     * with everything before it at once: clients see the turn end when that append is stored.
     */
    @Override
    public void onEvents(List<AgentEvent> events) {
        synchronized (this) {
            List<EventDraft> pending = new ArrayList<>();
            for (AgentEvent event : events) {
                take(event, pending);
            }
            if (!pending.isEmpty()) {
                append(pending);
            }
        }
    }

    /** One event of the agent, under the lock: its drafts join {@code pending}, appended by the caller or here. */
    private void take(AgentEvent event, List<EventDraft> pending) {
        if (droppingTurnId != null && runningTurnId == null) {
            // The rest of a turn closed for lost events: its end is in the transcript already.
            lostEvents.incrementAndGet();
            if (event.is(TURN_ENDED)) {
                droppingTurnId = null;
                closeDamagedTurnIfDone();
            }
            return;
        }
        if (event.nativeSessionId() != null && !event.nativeSessionId().equals(nativeSessionId)) {
            recordNativeSessionId(event.nativeSessionId());
        }
        var payload = track(event.payload());
        if (event.is(TURN_ENDED)) {
            closeOpenRequests(pending);
            endingTurnId = runningTurnId;
        }
        pending.addAll(items.expand(TypedData.draft(payload, "agent", event.synthetic(), event.raw(),
                nativeSessionId)));
        if (event.is(TURN_ENDED)) {
            closeWhenStored(runningTurnId, append(new ArrayList<>(pending)));
            pending.clear();
            runningTurnId = null; // after the append: the next turn.started is numbered after this
        }
    }

    /**
     * Keeps the record of open requests, from the events' typed data, and returns the data to store: a request's
     * id is the session's (see {@link RequestIds}), not the agent's.
     */
    private dev.sandboxagent.schema.EventData track(dev.sandboxagent.schema.EventData data) {
        if (data instanceof PermissionRequested asked) {
            PermissionRequested ours = new PermissionRequested(permissionIds.issue(asked.permissionId()),
                    asked.action(), asked.status(), asked.metadata());
            pendingPermissions.put(ours.permissionId(), ours);
            return ours;
        } else if (data instanceof PermissionResolved resolved) {
            PermissionResolved ours = new PermissionResolved(permissionIds.sessionId(resolved.permissionId()),
                    resolved.action(), resolved.status(), resolved.metadata());
            pendingPermissions.remove(ours.permissionId());
            return ours;
        } else if (data instanceof QuestionRequested asked) {
            QuestionRequested ours = new QuestionRequested(questionIds.issue(asked.questionId()), asked.prompt(),
                    asked.options(), asked.status(), asked.response(), asked.questions(), asked.metadata());
            pendingQuestions.put(ours.questionId(), ours);
            return ours;
        } else if (data instanceof QuestionResolved resolved) {
            QuestionResolved ours = new QuestionResolved(questionIds.sessionId(resolved.questionId()),
                    resolved.prompt(), resolved.options(), resolved.status(), resolved.response(),
                    resolved.questions(), resolved.metadata());
            pendingQuestions.remove(ours.questionId());
            return ours;
        }
        return data;
    }

    /**
     * A permission or question still open when its turn ends (an interrupt cut it short) can no longer be
     * answered: the agent has dropped it. Say so in the transcript, before the turn's end, so that every request
     * has its resolution and a client stops showing it. Adds them to {@code pending}, ahead of the turn's end.
     */
    private void closeOpenRequests(List<EventDraft> pending) {
        pendingPermissions.forEach((id, asked) -> pending.add(EventData.permissionDropped(asked)));
        pendingQuestions.forEach((id, asked) -> pending.add(EventData.questionDropped(asked)));
        pendingPermissions.clear();
        pendingQuestions.clear();
    }

    @Override
    public void onExit(AgentExit exit) {
        if (shuttingDown) {
            exitRecorded.complete(null);
            return;
        }
        synchronized (this) {
            ended = true;
            pendingPermissions.clear();
            pendingQuestions.clear();
            // Essential: how the session stopped is written even on a full disk, from the store's reserve.
            String open = runningTurnId;
            String damaged = damagedTurnId.get();
            if (open == null && damaged != null && !damaged.isEmpty() && !damageRecorded) {
                open = damaged; // stopped for lost events, its end not stored yet
            }
            if (!exit.requested()) {
                // Nobody asked it to stop: say so as an error first, as the anchor does, so a client that
                // watches for errors (and a turn's stream, which ends on one) learns why before the ends.
                appendEssential(List.of(EventData.agentExited(exit)));
            }
            if (open != null) {
                endingTurnId = open;
                closeWhenStored(open, appendEssential(List.of(EventData.turnEnded(open,
                        exit.requested() ? "interrupted" : "error"))));
            }
            runningTurnId = null;
            droppingTurnId = null;
            appendEssential(List.of(EventData.sessionEnded(exit)));
        }
        try {
            store.setState(sessionId, SessionState.ENDED);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "session " + sessionId + ": could not mark ended: " + e.getMessage());
        }
        onEnded.accept(this);
        exitRecorded.complete(null);
    }

    /**
     * Clients see {@code turnId} end once its turn.ended is stored, not when it is queued. Called under this
     * object's lock, with {@link #endingTurnId} set before the append was queued.
     */
    private void closeWhenStored(String turnId, CompletableFuture<List<UniversalEvent>> turnEnded) {
        turnEnded.thenRun(() -> openTurnId.compareAndSet(turnId, null));
    }

    private void recordNativeSessionId(String id) {
        synchronized (this) {
            if (Objects.equals(id, nativeSessionId)) {
                return;
            }
            nativeSessionId = id;
        }
        try {
            store.setNativeSessionId(sessionId, id);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "session " + sessionId + ": could not record the native session id: "
                    + e.getMessage());
        }
    }

    private CompletableFuture<List<UniversalEvent>> append(List<EventDraft> drafts) {
        CompletableFuture<List<UniversalEvent>> stored = store.append(sessionId, drafts);
        stored.whenComplete((events, failure) -> {
            if (failure != null) {
                lost(drafts.size(), failure);
            }
        });
        return stored;
    }

    private CompletableFuture<List<UniversalEvent>> appendEssential(List<EventDraft> drafts) {
        return store.appendEssential(sessionId, drafts);
    }

    /**
     * Events were not stored (usually a full disk). Often on the writer thread, so nothing here takes this object's
     * lock: the first loss of a turn hands the recovery to another thread, later ones are only counted. A loss
     * outside a turn (nothing to close) is logged once per episode.
     */
    private void lost(int events, Throwable failure) {
        lostEvents.addAndGet(events);
        String turnId = openTurnId.get();
        String reason = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause().getMessage() : failure.getMessage();
        if (turnId == null) {
            if (damagedTurnId.compareAndSet(null, "")) {
                LOG.log(Level.WARNING, "session " + sessionId + ": events not stored: " + reason);
            }
            return;
        }
        if (damagedTurnId.compareAndSet(null, turnId) || damagedTurnId.compareAndSet("", turnId)) {
            CompletableFuture.runAsync(() -> stopDamagedTurn(turnId, reason));
        }
    }

    /**
     * Closes a turn the store lost events of: tells stream clients at once (a comment: the store cannot write an
     * event yet), stops the agent's turn, and writes an error and the turn's end from the store's reserve, trying
     * again every second until that is stored. Clients see the turn running until then.
     */
    private void stopDamagedTurn(String turnId, String reason) {
        LOG.log(Level.WARNING, "session " + sessionId + ": events of turn " + turnId + " could not be stored ("
                + reason + "); stopping the turn. Further losses are counted, not logged.");
        notices.accept(sessionId, "events of turn " + turnId + " could not be stored (" + reason
                + "); the turn is being stopped and will end with an error");
        synchronized (this) {
            if (ended || shuttingDown) {
                return; // onExit records the end, or the session stays resumable
            }
            if (turnId.equals(runningTurnId)) {
                droppingTurnId = turnId;
                runningTurnId = null;
                pendingPermissions.clear();
                pendingQuestions.clear();
                process.interrupt();
            }
        }
        writeDamagedTurnEnd(turnId, reason);
    }

    private void writeDamagedTurnEnd(String turnId, String reason) {
        CompletableFuture<List<UniversalEvent>> stored;
        synchronized (this) {
            if (ended || shuttingDown || !turnId.equals(openTurnId.get())) {
                return;
            }
            stored = appendEssential(List.of(EventData.eventsLost(turnId, lostEvents.get(), reason),
                    EventData.turnEnded(turnId, "error")));
        }
        stored.whenCompleteAsync((events, failure) -> {
            if (failure == null) {
                synchronized (this) {
                    damageRecorded = true;
                    closeDamagedTurnIfDone();
                }
                return;
            }
            // Not even the reserve was enough: try again while the session lives.
            CompletableFuture.delayedExecutor(1, java.util.concurrent.TimeUnit.SECONDS)
                    .execute(() -> writeDamagedTurnEnd(turnId, reason));
        });
    }

    /** Once the damaged turn's end is stored and the agent has finished it, clients see it end. Holds the lock. */
    private void closeDamagedTurnIfDone() {
        String turnId = damagedTurnId.get();
        if (!damageRecorded || droppingTurnId != null || turnId == null || turnId.isEmpty()) {
            return;
        }
        LOG.log(Level.INFO, "session " + sessionId + ": closed turn " + turnId + " with an error; "
                + lostEvents.get() + " event(s) were not stored");
        damageRecorded = false;
        lostEvents.set(0);
        damagedTurnId.set(null);
        openTurnId.compareAndSet(turnId, null);
    }
}
