package dev.sandboxagent.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;
import java.util.Objects;

/**
 * The body of {@code POST /v1/sessions/{id}}. Only {@code agent} is required; null fields are left out so the
 * server applies its defaults. {@code install}: false refuses an agent that is not installed (409
 * {@code agent_not_installed}) instead of having the server install it first; null (the default) installs it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CreateSessionRequest(String agent, String agentMode, String permissionMode, String model,
                                   String variant, String directory, String title, Boolean install,
                                   Map<String, String> credentials) {

    public CreateSessionRequest {
        Objects.requireNonNull(agent, "agent");
        credentials = credentials == null || credentials.isEmpty() ? null : Map.copyOf(credentials);
    }

    /** Shows which credentials are set, never their values. */
    @Override
    public String toString() {
        return "CreateSessionRequest[agent=" + agent + ", agentMode=" + agentMode + ", permissionMode="
                + permissionMode + ", model=" + model + ", variant=" + variant + ", directory=" + directory
                + ", title=" + title + ", install=" + install + ", credentials=" + (credentials == null ? "[]" : credentials.keySet()) + "]";
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
        private Boolean install;
        private Map<String, String> credentials;

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

        /** Whether the server may install a missing agent first; null leaves it to the server (it does). */
        public Builder install(Boolean value) {
            this.install = value;
            return this;
        }

        /** Provider credentials for the agent (see {@link Credentials}); held in the server's memory only. */
        public Builder credentials(Map<String, String> value) {
            this.credentials = value;
            return this;
        }

        public CreateSessionRequest build() {
            return new CreateSessionRequest(agent, agentMode, permissionMode, model, variant, directory, title, install,
                    credentials);
        }
    }
}
