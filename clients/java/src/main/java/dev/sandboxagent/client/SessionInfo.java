package dev.sandboxagent.client;

/**
 * A session as the server reports it: the anchor's SessionInfo plus {@code state} ({@code active},
 * {@code interrupted}: the server stopped while it was live and it resumes on the next message, {@code ended}) and
 * {@code runningTurnId} (null when idle). Times are epoch milliseconds; {@code eventCount} is also the sequence of
 * the session's last event, so it is the offset to stream "from now on".
 */
public record SessionInfo(String sessionId, String agent, String agentMode, String permissionMode, String model,
                          String variant, String directory, String title, String nativeSessionId, boolean ended,
                          long eventCount, long createdAt, long updatedAt, String state, String runningTurnId) {
}
