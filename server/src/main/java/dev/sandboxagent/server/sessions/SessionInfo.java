package dev.sandboxagent.server.sessions;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.sandboxagent.store.SessionRecord;
import dev.sandboxagent.store.SessionState;

/** The wire shape of a session: the anchor's SessionInfo plus {@code state} and {@code runningTurnId}. */
@JsonInclude(JsonInclude.Include.ALWAYS)
record SessionInfo(String sessionId, String agent, String agentMode, String permissionMode, String model,
                          String variant, String directory, String title, String nativeSessionId, boolean ended,
                          long eventCount, long createdAt, long updatedAt, String state, String runningTurnId) {

    /** @param endedLive the live agent has exited, though the stored state may not say so yet */
    static SessionInfo of(SessionRecord r, String runningTurnId, boolean endedLive) {
        var s = r.spec();
        SessionState state = endedLive ? SessionState.ENDED : r.state();
        return new SessionInfo(s.sessionId(), s.agent(), s.agentMode(), s.permissionMode(), s.model(), s.variant(),
                s.directory(), s.title(), r.nativeSessionId(), state == SessionState.ENDED, r.lastSequence(),
                r.createdAt(), r.updatedAt(), state.wire(), runningTurnId);
    }
}
