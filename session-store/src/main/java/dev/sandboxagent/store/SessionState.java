package dev.sandboxagent.store;

/** Lifecycle of a stored session. */
public enum SessionState {
    /** Created; an agent process runs (or will run on the next message) under this server. */
    ACTIVE,
    /** Was ACTIVE when the server stopped or died; resumes on the next message. */
    INTERRUPTED,
    /** Terminated, or its agent exited: takes no more messages. */
    ENDED;

    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
