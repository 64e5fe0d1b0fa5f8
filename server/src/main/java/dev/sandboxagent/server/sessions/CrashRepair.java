package dev.sandboxagent.server.sessions;

import static dev.sandboxagent.schema.EventType.TURN_ENDED;
import static dev.sandboxagent.schema.EventType.TURN_STARTED;

import dev.sandboxagent.store.SessionRecord;
import dev.sandboxagent.store.SessionState;
import dev.sandboxagent.store.SessionStore;
import dev.sandboxagent.store.UniversalEvent;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** What a crash (or a stop) left half done in the transcripts, put right before the server listens. */
public final class CrashRepair {
    private static final Set<String> TURN_BOUNDARIES = Set.of(TURN_STARTED.wire(), TURN_ENDED.wire());

    private final SessionStore store;

    public CrashRepair(SessionStore store) {
        this.store = store;
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
}
