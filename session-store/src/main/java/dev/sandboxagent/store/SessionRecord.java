package dev.sandboxagent.store;

/**
 * A stored session as of one read.
 *
 * @param lastSequence the sequence of its newest event (0 when it has none); also its event count, since
 *                     sequences are gap-free from 1
 * @param createdAt    epoch milliseconds
 * @param updatedAt    epoch milliseconds of the last change or event
 */
public record SessionRecord(SessionSpec spec, SessionState state, String nativeSessionId, long lastSequence,
                            long createdAt, long updatedAt) {
    public String sessionId() {
        return spec.sessionId();
    }
}
