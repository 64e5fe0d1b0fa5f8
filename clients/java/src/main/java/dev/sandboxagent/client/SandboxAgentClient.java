package dev.sandboxagent.client;

import static dev.sandboxagent.client.HttpTransport.segment;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A typed client for the sandbox-agent HTTP API (docs/api.md), over plain HTTP/1.1 sockets (one connection per
 * request; no {@code java.net.http}, whose start-up a one-shot CLI command cannot afford). Thread-safe; one
 * instance can serve a whole application.
 *
 * <pre>{@code
 * var client = SandboxAgentClient.builder().baseUrl(URI.create("http://127.0.0.1:2468")).token(token).build();
 * client.createSession("my-session", CreateSessionRequest.of("mock"), null);
 * String turn = client.sendMessage("my-session", "Summarize this repository", null);
 * try (EventStream events = client.streamEvents("my-session", 0, e -> System.out.println(e.type()))) { ... }
 * }</pre>
 *
 * <p>Every method throws {@link SandboxAgentException} when the server answers with an error (its problem+json
 * inside), {@link ServerUnavailableException} when nothing answers at the base URL, and
 * {@link java.io.UncheckedIOException} when a connection fails midway or times out.
 */
public final class SandboxAgentClient {
    public static final URI DEFAULT_URL = URI.create("http://127.0.0.1:2468");

    private final HttpTransport transport;
    private final Duration reconnectWindow;

    private SandboxAgentClient(Builder builder) {
        this.transport = new HttpTransport(builder.baseUrl, builder.token, builder.connectTimeout,
                builder.requestTimeout);
        this.reconnectWindow = builder.reconnectWindow;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The server's address, as configured. */
    public URI baseUrl() {
        return transport.displayUrl();
    }

    // ---- server and agents

    /** {@code GET /v1/health}; needs no token. */
    public Health health() {
        return transport.exchange(transport.request("v1/health").GET(), Health.class);
    }

    /** {@code GET /openapi.json}: the document the server validates requests against. */
    public JsonNode openApi() {
        return transport.exchange(transport.request("openapi.json").GET());
    }

    public List<AgentInfo> listAgents() {
        return transport.exchange(transport.request("v1/agents").GET(), Wire.AgentList.class).agents();
    }

    public List<AgentMode> agentModes(String agent) {
        return agentModesWithSource(agent).modes();
    }

    /** {@link #agentModes}, with who answered: the agent itself or the server's own list. */
    public AgentModes agentModesWithSource(String agent) {
        return transport.exchange(transport.request("v1/agents/" + segment(agent) + "/modes").GET(),
                AgentModes.class);
    }

    public AgentModels agentModels(String agent) {
        return transport.exchange(transport.request("v1/agents/" + segment(agent) + "/models").GET(),
                AgentModels.class);
    }

    // ---- the Docker engine and other warm processes

    /** {@code GET /v1/docker}: the warm engine's state. */
    public DockerStatus docker() {
        return transport.exchange(transport.request("v1/docker").GET(), DockerStatus.class);
    }

    /** Restarts the engine the server runs; 409 ({@code docker_not_managed}) for an adopted or absent one. */
    public DockerStatus restartDocker() {
        return transport.exchange(transport.request("v1/docker/restart").POST(),
                DockerStatus.class);
    }

    /** The newest {@code tail} lines of the managed dockerd's output. */
    public List<String> dockerLogs(int tail) {
        return transport.exchange(transport.request("v1/docker/logs?tail=" + tail).GET(), Wire.LogLines.class)
                .lines();
    }

    /** The newest {@code tail} lines, then every new line as dockerd writes it, until {@link LineStream#close()}. */
    public LineStream followDockerLogs(int tail, Consumer<String> consumer) {
        Objects.requireNonNull(consumer, "consumer");
        return LineStream.open(transport, transport.request("v1/docker/logs?follow=true&tail=" + tail)
                .timeout(Duration.ofDays(365)).GET(), consumer);
    }

    /** {@code GET /v1/processes}: every warm process (dockerd among them when the server runs it). */
    public List<ProcessStatus> processes() {
        return transport.exchange(transport.request("v1/processes").GET(), Wire.ProcessList.class).processes();
    }

    /** The newest {@code tail} lines of a warm process's output. */
    public List<String> processLogs(String name, int tail) {
        return transport.exchange(transport.request("v1/processes/" + segment(name) + "/logs?tail=" + tail).GET(),
                Wire.LogLines.class).lines();
    }

    // ---- sessions

    /** Every stored session, newest first. */
    public List<SessionInfo> listSessions() {
        return transport.exchange(transport.request("v1/sessions").GET(), Wire.SessionList.class).sessions();
    }

    /**
     * Creates a session with a client-chosen id ({@code [A-Za-z0-9._-]{1,128}}).
     *
     * @param idempotencyKey null, or a key that makes a retry of this call answer like the first one instead of
     *                       409 (use it when retrying after a timeout)
     */
    public CreateSessionResponse createSession(String sessionId, CreateSessionRequest request,
                                               String idempotencyKey) {
        Objects.requireNonNull(request, "request");
        HttpTransport.Request http = withKey(sessionRequest(sessionId, ""), idempotencyKey)
                .header("Content-Type", "application/json")
                .POST(HttpTransport.jsonBody(request));
        return transport.exchange(http, CreateSessionResponse.class);
    }

    public CreateSessionResponse createSession(String sessionId, CreateSessionRequest request) {
        return createSession(sessionId, request, null);
    }

    public SessionInfo getSession(String sessionId) {
        return transport.exchange(sessionRequest(sessionId, "").GET(), SessionInfo.class);
    }

    /** Stops the session's agent and removes the session and its events. */
    public void deleteSession(String sessionId) {
        transport.exchange(sessionRequest(sessionId, "").DELETE());
    }

    /**
     * Starts a turn and returns its id at once ({@code 202}); the turn's output arrives as events. Refused with 409
     * ({@code session_busy}, the running turn's id in the problem's {@code turnId}) while another turn runs.
     *
     * @param idempotencyKey null, or a key that makes a retry return the first call's turn instead of starting one
     */
    public String sendMessage(String sessionId, String message, String idempotencyKey) {
        return sendMessage(sessionId, message, idempotencyKey, Map.of());
    }

    /**
     * Like {@link #sendMessage(String, String, String)}, with provider credentials for the agent (see
     * {@link Credentials}). If they differ from the ones its agent runs with, the server restarts the agent with
     * them, continuing its conversation.
     */
    public String sendMessage(String sessionId, String message, String idempotencyKey,
                              Map<String, String> credentials) {
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("message", Objects.requireNonNull(message, "message"));
        if (!credentials.isEmpty()) {
            body.put("credentials", credentials);
        }
        HttpTransport.Request http = withKey(sessionRequest(sessionId, "/messages"), idempotencyKey)
                .header("Content-Type", "application/json")
                .POST(HttpTransport.jsonBody(body));
        return turnId(transport.exchange(http));
    }

    /**
     * Installs an agent's CLI from npm on the server ({@code POST /v1/agents/{agent}/install}); returns when it is
     * installed. Nothing happens when that version is there already, unless {@code reinstall}.
     *
     * @param version null for the server's default (the version it is tested with)
     */
    public void installAgent(String agent, String version, boolean reinstall) {
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        if (version != null) {
            body.put("agentVersion", version);
        }
        if (reinstall) {
            body.put("reinstall", true);
        }
        transport.exchange(transport.request("v1/agents/" + segment(agent) + "/install")
                .timeout(Duration.ofMinutes(30))
                .header("Content-Type", "application/json")
                .POST(HttpTransport.jsonBody(body)));
    }

    public String sendMessage(String sessionId, String message) {
        return sendMessage(sessionId, message, null);
    }

    /**
     * Sends a message and streams that one turn's events ({@code POST .../messages/stream}); the server ends the
     * stream after the turn's {@code turn.ended}, or earlier, as the anchor does, after the first
     * {@code permission.requested}, {@code question.requested}, {@code error}, {@code agent.unparsed} or
     * {@code session.ended} (the turn goes on: answer, then follow it). Not resumed on a dropped connection:
     * re-sending would start a second turn. Use {@link #streamEvents} from {@link EventStream#lastSequence()} to
     * pick up the rest.
     */
    public EventStream streamTurn(String sessionId, String message, Consumer<UniversalEvent> consumer) {
        HttpTransport.Request http = sessionRequest(sessionId, "/messages/stream")
                .timeout(Duration.ofDays(365))
                .header("Content-Type", "application/json")
                .POST(HttpTransport.jsonBody(Map.of("message", Objects.requireNonNull(message, "message"))));
        return EventStream.open(transport, http, 0, null, reconnectWindow, consumer, "sandbox-agent-turn-"
                + sessionId);
    }

    /**
     * A session's events with {@code sequence > offset}: at most {@code limit}, or, when null, every one stored
     * (the server writes them out in pages; this client holds them all, so page with a limit for long
     * transcripts).
     */
    public EventsPage events(String sessionId, long offset, Integer limit) {
        String query = "/events?offset=" + offset + (limit == null ? "" : "&limit=" + limit);
        return transport.exchange(sessionRequest(sessionId, query).GET(), EventsPage.class);
    }

    /**
     * Streams a session's events with {@code sequence > offset}: first the stored ones, then live ones as they are
     * stored, until {@link EventStream#close()}. Connects before returning (an unknown session fails here); events
     * are handed to {@code consumer} on the stream's own thread, one at a time, in order. A dropped connection is
     * resumed from the last delivered event (Last-Event-ID), so no event is missed or repeated.
     */
    public EventStream streamEvents(String sessionId, long offset, Consumer<UniversalEvent> consumer) {
        Objects.requireNonNull(consumer, "consumer");
        String path = "/events/sse";
        HttpTransport.Request first = sseRequest(sessionId, path).header("Last-Event-ID", Long.toString(offset));
        return EventStream.open(transport, first, offset,
                after -> sseRequest(sessionId, path).header("Last-Event-ID", Long.toString(after)),
                reconnectWindow, consumer, "sandbox-agent-events-" + sessionId);
    }

    public void replyPermission(String sessionId, String permissionId, PermissionReply reply) {
        HttpTransport.Request http = sessionRequest(sessionId, "/permissions/" + segment(permissionId) + "/reply")
                .header("Content-Type", "application/json")
                .POST(HttpTransport.jsonBody(Map.of("reply", reply.wire())));
        transport.exchange(http);
    }

    /**
     * Answers a question: one list of selected answers per question of the prompt, e.g. {@code [["yes"]]} for a
     * single question answered "yes".
     */
    public void replyQuestion(String sessionId, String questionId, List<List<String>> answers) {
        HttpTransport.Request http = sessionRequest(sessionId, "/questions/" + segment(questionId) + "/reply")
                .header("Content-Type", "application/json")
                .POST(HttpTransport.jsonBody(Map.of("answers", answers)));
        transport.exchange(http);
    }

    public void rejectQuestion(String sessionId, String questionId) {
        transport.exchange(sessionRequest(sessionId, "/questions/" + segment(questionId) + "/reject")
                .POST());
    }

    /** Cancels the running turn (the session stays); returns the cancelled turn's id. 409 when none runs. */
    public String interrupt(String sessionId) {
        return turnId(transport.exchange(sessionRequest(sessionId, "/interrupt")
                .POST()));
    }

    /** Stops the agent and ends the session ({@code session.ended}, reason {@code terminated}); it stays listed. */
    public void terminate(String sessionId) {
        transport.exchange(sessionRequest(sessionId, "/terminate").POST());
    }

    private HttpTransport.Request sessionRequest(String sessionId, String rest) {
        return transport.request("v1/sessions/" + segment(sessionId) + rest);
    }

    /** An SSE request: no overall timeout, since the answer is meant to stay open. */
    private HttpTransport.Request sseRequest(String sessionId, String rest) {
        return sessionRequest(sessionId, rest).timeout(Duration.ofDays(365)).GET();
    }

    private static HttpTransport.Request withKey(HttpTransport.Request request, String idempotencyKey) {
        return idempotencyKey == null ? request : request.header("Idempotency-Key", idempotencyKey);
    }

    private static String turnId(JsonNode answer) {
        JsonNode id = answer == null ? null : answer.get("turnId");
        if (id == null || !id.isTextual()) {
            throw new java.io.UncheckedIOException(new java.io.IOException("the answer has no turnId: " + answer));
        }
        return id.asText();
    }

    /** Configuration; {@link #baseUrl} defaults to {@link #DEFAULT_URL}, no token, connect timeout 5 s. */
    public static final class Builder {
        private URI baseUrl = DEFAULT_URL;
        private String token;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration requestTimeout = Duration.ofSeconds(60);
        private Duration reconnectWindow = Duration.ofSeconds(10);

        private Builder() {
        }

        public Builder baseUrl(URI value) {
            Objects.requireNonNull(value, "baseUrl");
            if (!"http".equals(value.getScheme()) && !"https".equals(value.getScheme())) {
                throw new IllegalArgumentException("the server URL must start with http:// or https://, got "
                        + value);
            }
            if (value.getHost() == null) {
                throw new IllegalArgumentException("the server URL has no host: " + value);
            }
            this.baseUrl = value;
            return this;
        }

        /** The bearer token; null (the default) sends none, for a server started with {@code --no-token}. */
        public Builder token(String value) {
            this.token = value == null || value.isBlank() ? null : value.strip();
            return this;
        }

        public Builder connectTimeout(Duration value) {
            this.connectTimeout = positive(value, "connectTimeout");
            return this;
        }

        /**
         * How long a request may wait for the answer's headers. Creating a session starts an agent process, so
         * this is generous; event streams are exempt.
         */
        public Builder requestTimeout(Duration value) {
            this.requestTimeout = positive(value, "requestTimeout");
            return this;
        }

        /** How long an event stream keeps trying to reconnect after its connection drops before it fails. */
        public Builder reconnectWindow(Duration value) {
            this.reconnectWindow = Objects.requireNonNull(value, "reconnectWindow");
            return this;
        }

        public SandboxAgentClient build() {
            return new SandboxAgentClient(this);
        }

        private static Duration positive(Duration value, String name) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive");
            }
            return value;
        }
    }
}
