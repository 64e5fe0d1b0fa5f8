package dev.sandboxagent.server.http;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;

/**
 * A browser origin ({@code scheme://host[:port]}, RFC 6454) in the one spelling browsers send in {@code Origin}:
 * scheme and host in lower case, no default port, no path. Configured origins and received ones are both brought
 * to this form, so {@code https://App.example.com:443/} in the configuration matches what a browser sends.
 */
public final class WebOrigin {
    private WebOrigin() {
    }

    /**
     * A configured origin, normalised.
     *
     * @param source where the value came from, for the error message (e.g. {@code --cors-origin})
     * @throws IllegalArgumentException when the value is not an origin (a path, a wildcard, no scheme, ...)
     */
    public static String parse(String value, String source) {
        return normalise(value).orElseThrow(() -> new IllegalArgumentException(source + " must be an origin like "
                + "https://app.example.com or http://localhost:3000 (scheme, host and optional port, no path), got '"
                + value + "'"));
    }

    /** A received {@code Origin} header, normalised; empty when it is not one ({@code null}, garbage). */
    public static Optional<String> normalise(String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        String trimmed = value.strip();
        if (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        URI uri;
        try {
            uri = new URI(trimmed);
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
        if (uri.getScheme() == null || uri.getHost() == null || uri.getRawUserInfo() != null
                || (uri.getRawPath() != null && !uri.getRawPath().isEmpty()) || uri.getRawQuery() != null
                || uri.getRawFragment() != null) {
            return Optional.empty();
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        int port = uri.getPort();
        boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80)
                || (scheme.equals("https") && port == 443);
        return Optional.of(scheme + "://" + host + (defaultPort ? "" : ":" + port));
    }
}
