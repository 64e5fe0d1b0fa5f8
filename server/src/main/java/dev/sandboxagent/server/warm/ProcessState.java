package dev.sandboxagent.server.warm;

import java.util.Locale;

/** Where a warm process is in its life. The wire name is the lower-case constant ({@code backing_off}). */
public enum ProcessState {
    /** Launched; the readiness probe has not passed yet. */
    STARTING,
    /** Running and answering its probe. */
    READY,
    /** Running but its probe keeps failing; restarted if that lasts. */
    UNHEALTHY,
    /** Exited when nobody asked it to; a restart follows unless the policy says otherwise. */
    CRASHED,
    /** Waiting out the restart delay. */
    BACKING_OFF,
    /** Asked to stop: TERM sent, KILL follows after the grace period. */
    STOPPING,
    /** Not running, and not going to be restarted. */
    STOPPED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @com.fasterxml.jackson.annotation.JsonValue
    String json() {
        return wireName();
    }
}
