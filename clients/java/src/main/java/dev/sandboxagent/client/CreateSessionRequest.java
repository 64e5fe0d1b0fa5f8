package dev.sandboxagent.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;
import java.util.Objects;

/**
 * The body of {@code POST /v1/sessions/{id}}. Only {@code agent} is required; null fields are left out so the
 * server applies its defaults.
 *
 * @param install null (the default) or true: the server installs a missing agent before it creates the session;
 *                false: it refuses a missing agent with 409 {@code agent_not_installed} instead (docs/api.md,
 *                "Install on create")
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CreateSessionRequest(String agent, String agentMode, String permissionMode, String model,
                                   String variant, String directory, String title,
                                   Map<String, String> credentials, Boolean install) {

    public CreateSessionRequest {
        Objects.requireNonNull(agent, "agent");
        credentials = credentials == null || credentials.isEmpty() ? null : Map.copyOf(credentials);
    }

    /** Without {@code install}: the server's default, which installs a missing agent. */
    public CreateSessionRequest(String agent, String agentMode, String permissionMode, String model, String variant,
                                String directory, String title, Map<String, String> credentials) {
        this(agent, agentMode, permissionMode, model, variant, directory, title, credentials, null);
    }

    /** Shows which credentials are set, never their values. */
    @Override
    public String toString() {
        return "CreateSessionRequest[agent=" + agent + ", agentMode=" + agentMode + ", permissionMode="
                + permissionMode + ", model=" + model + ", variant=" + variant + ", directory=" + directory
                + ", title=" + title + ", credentials=" + (credentials == null ? "[]" : credentials.keySet())
                + ", install=" + install + "]";
    }

    /** A request for {@code agent} with every option at the server's default. */
    public static CreateSessionRequest of(String agent) {
        return builder(agent).build();
    }

    public static Builder builder(String agent) {
        return new Builder(agent);
    }

    /** Fluent construction, since most callers set two or three of the eight fields. */
    public static final class Builder {
        private final String agent;
        private String agentMode;
        private String permissionMode;
        private String model;
        private String variant;
        private String directory;
        private String title;
        private Map<String, String> credentials;
        private Boolean install;

        private Builder(String agent) {
            this.agent = Objects.requireNonNull(agent, "agent");
        }

        public Builder agentMode(String value) {
            this.agentMode = value;
            return this;
        }

        public Builder permissionMode(String value) {
            this.permissionMode = value;
            return this;
        }

        public Builder model(String value) {
            this.model = value;
            return this;
        }

        public Builder variant(String value) {
            this.variant = value;
            return this;
        }

        public Builder directory(String value) {
            this.directory = value;
            return this;
        }

        public Builder title(String value) {
            this.title = value;
            return this;
        }

        /** Provider credentials for the agent (see {@link Credentials}); held in the server's memory only. */
        public Builder credentials(Map<String, String> value) {
            this.credentials = value;
            return this;
        }

        /**
         * False: a create for an agent that is not installed fails with 409 {@code agent_not_installed}
         * ({@link SandboxAgentException#kind()}) rather than waiting for an npm install; the default (true) installs
         * it first, which can take minutes.
         */
        public Builder install(boolean value) {
            this.install = value;
            return this;
        }

        public CreateSessionRequest build() {
            return new CreateSessionRequest(agent, agentMode, permissionMode, model, variant, directory, title,
                    credentials, install);
        }
    }
}
