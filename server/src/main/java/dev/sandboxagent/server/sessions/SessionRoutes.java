package dev.sandboxagent.server.sessions;

import static dev.sandboxagent.schema.EventType.TURN_ENDED;
import static dev.sandboxagent.server.http.Blocking.Pool.AGENT_STARTS;
import static dev.sandboxagent.server.sessions.SessionProblems.answering;

import dev.sandboxagent.server.events.EventRoutes;
import dev.sandboxagent.server.http.ApiDocument;
import dev.sandboxagent.server.http.ApiException;
import dev.sandboxagent.server.http.Blocking;
import dev.sandboxagent.server.http.JsonBodies;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The session resource: create, read, message, interrupt, answer, end. Each handler validates the request, then
 * delegates to {@link SessionManager} on a worker thread, and answers the core's refusals as problems
 * ({@link SessionProblems}).
 */
public final class SessionRoutes {
    private static final int MAX_IDEMPOTENCY_KEY = 256;
    private static final byte[] TURN_ACCEPTED_HEAD =
            "{\"turnId\":\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final SessionManager sessions;
    private final EventRoutes events;
    private final ApiDocument api;

    public SessionRoutes(SessionManager sessions, EventRoutes events, ApiDocument api) {
        this.sessions = sessions;
        this.events = events;
        this.api = api;
    }

    public void mount(Router router) {
        // A turn's request first: the router matches routes in order (see ServerRuntime).
        router.post("/v1/sessions/:session_id/messages").handler(this::message);
        router.post("/v1/sessions/:session_id/messages/stream").handler(this::messageStream);
        router.get("/v1/sessions").handler(this::list);
        router.post("/v1/sessions/:session_id").handler(this::create);
        router.get("/v1/sessions/:session_id").handler(this::get);
        router.delete("/v1/sessions/:session_id").handler(this::delete);
        router.post("/v1/sessions/:session_id/interrupt").handler(this::interrupt);
        router.post("/v1/sessions/:session_id/terminate").handler(this::terminate);
        router.post("/v1/sessions/:session_id/permissions/:permission_id/reply").handler(this::replyPermission);
        router.post("/v1/sessions/:session_id/questions/:question_id/reply").handler(this::replyQuestion);
        router.post("/v1/sessions/:session_id/questions/:question_id/reject").handler(this::rejectQuestion);
    }

    private void list(RoutingContext ctx) {
        Blocking.respond(ctx, answering(sessions::list), (c, all) -> JsonBodies.send(c, 200, Map.of("sessions", all)));
    }

    private void create(RoutingContext ctx) {
        String id = api.validId(ctx, "session_id");
        JsonObject body = api.validBody(ctx, "CreateSessionRequest");
        String key = idempotencyKey(ctx);
        validDirectory(body.getString("directory"));
        CreateRequest spec = new CreateRequest(id, body.getString("agent"), body.getString("agentMode"),
                body.getString("permissionMode"), body.getString("model"), body.getString("variant"),
                body.getString("directory"), body.getString("title"),
                !Boolean.FALSE.equals(body.getBoolean("install"))); // absent: install a missing agent
        Map<String, String> credentials = credentials(body);
        // Creating starts the agent (up to a minute): on the pool kept for that.
        Blocking.respond(ctx, AGENT_STARTS, answering(() -> {
            existingDirectory(spec.directory());
            return sessions.create(spec, key, credentials);
        }), (c, created) -> {
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("healthy", created.healthy());
            answer.put("nativeSessionId", created.session().nativeSessionId());
            if (created.error() != null) {
                answer.put("error", Map.of("type", "agent_process_exited", "message", created.error()));
            }
            answer.put("session", created.session());
            JsonBodies.send(c, 200, answer);
        });
    }

    /** The body's credentials (names checked by the schema); empty when there are none. */
    private static Map<String, String> credentials(JsonObject body) {
        JsonObject given = body.getJsonObject("credentials");
        if (given == null) {
            return Map.of();
        }
        Map<String, String> credentials = new LinkedHashMap<>();
        given.forEach(entry -> credentials.put(entry.getKey(), (String) entry.getValue()));
        return Map.copyOf(credentials);
    }

    private void get(RoutingContext ctx) {
        String id = api.validId(ctx, "session_id");
        Blocking.respond(ctx, answering(() -> sessions.get(id)), (c, info) -> JsonBodies.send(c, 200, info));
    }

    private void delete(RoutingContext ctx) {
        String id = api.validId(ctx, "session_id");
        Blocking.noContent(ctx, answering(() -> {
            sessions.delete(id);
            events.closeStreams(id);
        }));
    }

    private void message(RoutingContext ctx) {
        String id = api.validId(ctx, "session_id");
        JsonObject body = api.validBody(ctx, "MessageRequest", SessionRoutes::plainMessage);
        String text = body.getString("message");
        Map<String, String> credentials = credentials(body);
        String key = idempotencyKey(ctx);
        // A message may start the agent again (resume, new credentials): on the pool kept for agent starts.
        Blocking.respond(ctx, AGENT_STARTS, answering(() -> sessions.sendMessage(id, text, key, credentials)),
                (c, turn) -> c.response().setStatusCode(202).putHeader("Content-Type", "application/json")
                        .end(turnAccepted(turn.turnId())));
    }

    /**
     * A message request of the usual shape, {@code {"message": "<text>"}} and nothing else, which
     * {@code MessageRequest} plainly accepts (an object whose only member is the required non-empty string): such a
     * body skips the schema walk. Any other body is validated by the schema as before.
     */
    static boolean plainMessage(JsonObject body) {
        return body.size() == 1 && body.getValue("message") instanceof String text && !text.isEmpty();
    }

    /**
     * The 202's body, {@code {"turnId":"..."}}, as Jackson writes it, without Jackson: a turn id is {@code turn_}
     * and hex digits ({@link SessionManager}), so it needs no escaping (checked, so that a change there cannot
     * write broken JSON here).
     */
    static io.vertx.core.buffer.Buffer turnAccepted(String turnId) {
        for (int i = 0; i < turnId.length(); i++) {
            char c = turnId.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\' || c > 0x7e) {
                return io.vertx.core.buffer.Buffer.buffer(JsonBodies.encode(Map.of("turnId", turnId)));
            }
        }
        byte[] head = TURN_ACCEPTED_HEAD;
        byte[] out = new byte[head.length + turnId.length() + 2];
        System.arraycopy(head, 0, out, 0, head.length);
        for (int i = 0; i < turnId.length(); i++) {
            out[head.length + i] = (byte) turnId.charAt(i); // ASCII, checked above
        }
        out[out.length - 2] = '"';
        out[out.length - 1] = '}';
        return io.vertx.core.buffer.Buffer.buffer(out);
    }

    private void messageStream(RoutingContext ctx) {
        String id = api.validId(ctx, "session_id");
        JsonObject body = api.validBody(ctx, "MessageRequest", SessionRoutes::plainMessage);
        String text = body.getString("message");
        Map<String, String> credentials = credentials(body);
        boolean includeRaw = EventRoutes.includeRaw(ctx);
        Blocking.respond(ctx, AGENT_STARTS, answering(() -> {
            TurnStart turn = sessions.sendMessage(id, text, null, credentials);
            return Map.entry(turn, sessions.record(id));
        }), (c, started) -> {
            String turnId = started.getKey().turnId();
            events.stream(c, started.getValue(), started.getKey().firstSequence() - 1, includeRaw,
                    event -> endsTurnStream(event, turnId));
        });
    }

    /**
     * Where the anchor ends a turn's stream, so a client written for it sees the same: the turn's end, and every
     * point where the turn needs the client or went wrong (a permission or question to answer, an error, a line
     * the adapter could not read, the session's end). The client answers, then follows on the session's SSE.
     */
    static boolean endsTurnStream(dev.sandboxagent.store.UniversalEvent event, String turnId) {
        return dev.sandboxagent.schema.EventType.fromWire(event.type()).map(type -> switch (type) {
            case TURN_ENDED -> turnId.equals(event.data().path("turn_id").asText());
            case PERMISSION_REQUESTED, QUESTION_REQUESTED, ERROR, AGENT_UNPARSED, SESSION_ENDED -> true;
            default -> false;
        }).orElse(false);
    }

    private void interrupt(RoutingContext ctx) {
        String id = api.validId(ctx, "session_id");
        Blocking.respond(ctx, answering(() -> sessions.interrupt(id)),
                (c, turnId) -> JsonBodies.send(c, 202, Map.of("turnId", turnId)));
    }

    private void terminate(RoutingContext ctx) {
        String id = api.validId(ctx, "session_id");
        Blocking.noContent(ctx, answering(() -> sessions.terminate(id)));
    }

    private void replyPermission(RoutingContext ctx) {
        String id = api.validId(ctx, "session_id");
        String permissionId = api.validId(ctx, "permission_id");
        String reply = api.validBody(ctx, "PermissionReplyRequest").getString("reply");
        Blocking.noContent(ctx, answering(() -> sessions.replyPermission(id, permissionId, reply)));
    }

    private void replyQuestion(RoutingContext ctx) {
        String id = api.validId(ctx, "session_id");
        String questionId = api.validId(ctx, "question_id");
        JsonArray answers = api.validBody(ctx, "QuestionReplyRequest").getJsonArray("answers");
        List<List<String>> parsed = new ArrayList<>();
        for (Object group : answers) {
            List<String> strings = new ArrayList<>();
            ((JsonArray) group).forEach(a -> strings.add((String) a));
            parsed.add(List.copyOf(strings));
        }
        Blocking.noContent(ctx, answering(() -> sessions.replyQuestion(id, questionId, List.copyOf(parsed))));
    }

    private void rejectQuestion(RoutingContext ctx) {
        String id = api.validId(ctx, "session_id");
        String questionId = api.validId(ctx, "question_id");
        Blocking.noContent(ctx, answering(() -> sessions.rejectQuestion(id, questionId)));
    }

    /** A path the file system can take: a NUL (valid JSON, {@code \u0000}) is not one. */
    private static void validDirectory(String directory) {
        if (directory == null) {
            return;
        }
        try {
            java.nio.file.Path.of(directory);
        } catch (java.nio.file.InvalidPathException e) {
            throw ApiException.invalid("directory is not a usable path (it contains a NUL character)");
        }
        if (!java.nio.file.Path.of(directory).isAbsolute()) {
            throw ApiException.invalid("directory must be an absolute path, got '" + directory + "'");
        }
    }

    /** The directory the request gave exists: disk work, so on the worker thread, not in the handler. */
    private static void existingDirectory(String directory) {
        if (directory != null && !Files.isDirectory(java.nio.file.Path.of(directory))) {
            throw ApiException.invalid("directory '" + directory + "' does not exist or is not a directory");
        }
    }

    private static String idempotencyKey(RoutingContext ctx) {
        String key = ctx.request().getHeader("Idempotency-Key");
        if (key == null) {
            return null;
        }
        if (key.isBlank() || key.length() > MAX_IDEMPOTENCY_KEY) {
            throw ApiException.invalid("Idempotency-Key must be 1 to " + MAX_IDEMPOTENCY_KEY + " characters");
        }
        return key;
    }
}
