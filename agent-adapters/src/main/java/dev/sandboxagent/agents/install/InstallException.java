package dev.sandboxagent.agents.install;

/** An install that did not happen; the message says why in words a user can act on. */
public final class InstallException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why, for the problem type of the HTTP answer. */
    public enum Reason { REGISTRY_UNREACHABLE, NO_SUCH_VERSION, NPM_MISSING, TIMED_OUT, FAILED }

    private final Reason reason;

    public InstallException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
