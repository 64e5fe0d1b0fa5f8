package dev.sandboxagent.server.sessions;

/**
 * A turn the manager accepted.
 *
 * @param firstSequence sequence of its {@code turn.started} event, or 0 when this answers a retried request
 *                      (same Idempotency-Key) and the turn had started earlier
 */
record TurnStart(String turnId, long firstSequence, boolean replayed) {
}
