package dev.sandboxagent.server.sessions;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.sandboxagent.store.SessionRecord;
import dev.sandboxagent.store.SessionState;

/** The wire shape of a session: the anchor's SessionInfo plus {@code state} and {@code runningTurnId}. */
@JsonInclude(JsonInclude.Include.ALWAYS)
record SessionInfo(String sessionId, String agent, String agentMode, String permissionMode, String model,
                          String variant, String directory, String title, String nativeSessionId, boolean ended,
                          long eventCount, long createdAt, long updatedAt, String state, String runningTurnId) {

    static SessionInfo of(SessionRecord r, String runningTurnId) {
        var s = r.spec();
        return new SessionInfo(s.sessionId(), s.agent(), s.agentMode(), s.permissionMode(), s.model(), s.variant(),
                s.directory(), s.title(), r.nativeSessionId(), r.state() == SessionState.ENDED, r.lastSequence(),
                r.createdAt(), r.updatedAt(), r.state().wire(), runningTurnId);
    }
}
