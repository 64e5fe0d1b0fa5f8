package dev.sandboxagent.server.sessions;

import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;

/**
 * The ids clients see for one agent process's permission requests (or questions), and the agent's own ids behind
 * them.
 *
 * <p>An agent numbers its requests per process: ACP agents and codex use their JSON-RPC request ids ("0", "1",
 * ...), and a session outlives its agent processes (a resume after a server restart, new credentials, a crash),
 * so the agent's id may name two different requests in one session's event log. A client that keys requests by
 * id would mix them up, and an answer meant for the old one could answer the new one. So each request gets an id
 * of the session's own, {@code <kind><tag>-<n>} (e.g. {@code p12-1}): {@code tag} is the store sequence of the
 * {@code turn.started} of the turn it came in (unique within the session for its whole life, and stored before
 * the agent hears of the turn), {@code n} counts the turn's requests from 1. Short, and within the API's id
 * pattern whatever the agent's ids look like. The agent only ever sees its own ids: an answer is translated back.
 *
 * <p>One instance per kind per agent process (per {@link LiveSession}); not thread-safe: the session's lock guards
 * it.
 */
final class RequestIds {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String kind;
    /** The current turn's tag; null before this process's first turn. */
    private String tag;
    private int issuedInTurn;
    private final Map<String, String> agentIds = new HashMap<>();
    private final Map<String, String> sessionIds = new HashMap<>();

    /** @param kind the ids' first letter: "p" for permissions, "q" for questions */
    RequestIds(String kind) {
        this.kind = kind;
    }

    /** A turn began; {@code turnStartedSequence} is the store sequence of its {@code turn.started}. */
    void turnStarted(long turnStartedSequence) {
        tag = Long.toString(turnStartedSequence);
        issuedInTurn = 0;
    }

    /** The session's id for a request the agent just made under {@code agentId}. */
    String issue(String agentId) {
        if (tag == null) {
            // A request before this process's first turn: no agent does this today. No stored sequence to lean
            // on, so a random tag (letters, unlike a sequence), unique in practice.
            tag = "r" + Long.toString(RANDOM.nextLong() & Long.MAX_VALUE, 36);
        }
        String id = kind + tag + "-" + (++issuedInTurn);
        String earlier = sessionIds.put(agentId, id);
        if (earlier != null) {
            agentIds.remove(earlier); // the agent reused its id: the older request is over
        }
        agentIds.put(id, agentId);
        return id;
    }

    /**
     * The session's id for a request of the agent's, for its resolution. An id this process never asked under
     * stays the agent's (nothing to translate).
     */
    String sessionId(String agentId) {
        return sessionIds.getOrDefault(agentId, agentId);
    }

    /** The agent's own id for the session's {@code id}, or null when this process never asked under it. */
    String agentId(String id) {
        return agentIds.get(id);
    }
}
