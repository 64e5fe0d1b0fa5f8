package dev.sandboxagent.client;

import java.net.URI;

/**
 * Nothing answered at the server's address (connection refused, host unreachable, connect timeout). Kept apart
 * from {@link SandboxAgentException} because the remedy differs: start the server or fix the URL, rather than fix
 * the request.
 */
public class ServerUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final URI baseUrl;

    public ServerUnavailableException(URI baseUrl, Throwable cause) {
        super("no sandbox-agent server answers at " + baseUrl + describe(cause), cause);
        this.baseUrl = baseUrl;
    }

    /** The server address the client was configured with. */
    public URI baseUrl() {
        return baseUrl;
    }

    private static String describe(Throwable cause) {
        if (cause == null) {
            return "";
        }
        String message = cause.getMessage();
        if (cause instanceof java.net.ConnectException && (message == null || message.isBlank()
                || message.toLowerCase(java.util.Locale.ROOT).startsWith("connection refused"))) {
            // One wording whoever reports it: a socket says "Connection refused", other clients say nothing.
            return " (connection refused)";
        }
        return message == null || message.isBlank() ? " (" + cause.getClass().getSimpleName() + ")"
                : " (" + message + ")";
    }
}
