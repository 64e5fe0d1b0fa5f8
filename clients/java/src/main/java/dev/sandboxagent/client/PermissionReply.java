package dev.sandboxagent.client;

/** How to answer a {@code permission.requested} event. */
public enum PermissionReply {
    /** Allow this one request. */
    ONCE,
    /** Allow this and every later request of the same kind in the session. */
    ALWAYS,
    /** Refuse. */
    REJECT;

    /** The value on the wire: {@code once}, {@code always} or {@code reject}. */
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
