package dev.sandboxagent.server.events;

import dev.sandboxagent.server.http.ApiDocument;
import dev.sandboxagent.server.http.ApiException;
import dev.sandboxagent.server.http.Blocking;
import dev.sandboxagent.store.SessionRecord;
import dev.sandboxagent.store.SessionStore;
import dev.sandboxagent.store.UniversalEvent;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/** Reading a session's transcript: a page at a time, or as an SSE stream that replays and then follows. */
public final class EventRoutes {
    static final int DEFAULT_LIMIT = 1000;
    static final int MAX_LIMIT = 10_000;
    private static final java.util.regex.Pattern ASCII_INTEGER = java.util.regex.Pattern.compile("-?[0-9]{1,19}");

    private final SessionStore store;
    private final EventHub hub;
    private final ApiDocument api;
    private final java.time.Duration heartbeat;

    public EventRoutes(SessionStore store, EventHub hub, ApiDocument api, java.time.Duration heartbeat) {
        this.heartbeat = heartbeat;
        this.store = store;
        this.hub = hub;
        this.api = api;
    }

    public void mount(Router router) {
        router.get("/v1/sessions/:session_id/events").handler(this::page);
        router.get("/v1/sessions/:session_id/events/sse").handler(this::sse);
    }

    private void page(RoutingContext ctx) {
        String id = api.validId(ctx, "session_id");
        long offset = longParam(ctx, "offset", 0, 0, Long.MAX_VALUE);
        boolean includeRaw = includeRaw(ctx);
        if (isAbsent(ctx, "limit")) {
            // No limit: every event, as the anchor answers (streamed out a page at a time, see EventsDump).
            Context context = ctx.vertx().getOrCreateContext();
            Blocking.respond(ctx, () -> record(id), (c, record) -> EventsDump.start(store, context,
                    c.response(), id, offset, record.lastSequence(), includeRaw));
            return;
        }
        int limit = (int) longParam(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        Blocking.respond(ctx, () -> {
            record(id);
            List<UniversalEvent> events = store.read(id, offset, limit + 1);
            boolean hasMore = events.size() > limit;
            return page(hasMore ? events.subList(0, limit) : events, hasMore, includeRaw);
        }, (c, body) -> c.response().setStatusCode(200).putHeader("Content-Type", "application/json").end(body));
    }

    /**
     * {@code {"events":[...],"hasMore":...}} from the events' stored bytes (the same body as {@link EventsDump}
     * writes in chunks): nothing is encoded.
     */
    static Buffer page(List<UniversalEvent> events, boolean hasMore, boolean includeRaw) {
        Buffer body = Buffer.buffer().appendString("{\"events\":[");
        for (int i = 0; i < events.size(); i++) {
            if (i > 0) {
                body.appendByte((byte) ',');
            }
            body.appendBytes(events.get(i).encoded(includeRaw));
        }
        return body.appendString("],\"hasMore\":" + hasMore + "}");
    }

    private void sse(RoutingContext ctx) {
        String id = api.validId(ctx, "session_id");
        long after = resumePoint(ctx);
        boolean includeRaw = includeRaw(ctx);
        Blocking.respond(ctx, () -> record(id), (c, record) -> stream(c, record, after, includeRaw,
                event -> false));
    }

    /** The session, or a 404: read from the store, so reading a transcript needs nothing of the live sessions. */
    private SessionRecord record(String id) {
        return store.get(id).orElseThrow(() -> ApiException.sessionNotFound(id));
    }

    /** Opens an SSE response and subscribes it; must run on the request's context. */
    public void stream(RoutingContext ctx, SessionRecord record, long after, boolean includeRaw,
                       java.util.function.Predicate<UniversalEvent> isLast) {
        Context context = ctx.vertx().getOrCreateContext();
        SseStream sink = new SseStream(ctx.vertx(), ctx.response(), includeRaw, isLast, heartbeat);
        sink.attach(hub.subscribe(record, after, context, sink));
    }

    /** Ends every open stream of a session (it was deleted). */
    public void closeStreams(String sessionId) {
        hub.closeSession(sessionId);
    }

    /** Last-Event-ID (a reconnecting EventSource) wins over offset (a first connect). */
    static long resumePoint(RoutingContext ctx) {
        String lastEventId = ctx.request().getHeader("Last-Event-ID");
        if (lastEventId != null && !lastEventId.isBlank()) {
            try {
                long value = asciiLong(lastEventId.trim());
                if (value >= 0) {
                    return value;
                }
            } catch (NumberFormatException ignored) {
                // fall through to the error below
            }
            throw ApiException.invalid("Last-Event-ID must be an event sequence number, got '"
                    + truncate(lastEventId) + "'");
        }
        return longParam(ctx, "offset", 0, 0, Long.MAX_VALUE);
    }

    static long longParam(RoutingContext ctx, String name, long fallback, long min, long max) {
        String raw = ctx.request().getParam(name);
        if (raw == null || raw.isEmpty()) {
            return fallback;
        }
        try {
            long value = asciiLong(raw);
            if (value < min || value > max) {
                throw ApiException.invalid(name + " must be between " + min + " and " + max + ", got " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            throw ApiException.invalid(name + " must be an integer, got '" + truncate(raw) + "'");
        }
    }

    /** Long.parseLong takes any Unicode digit ("\u0663" is 3); a number on the wire is ASCII digits only. */
    static long asciiLong(String raw) {
        if (!ASCII_INTEGER.matcher(raw).matches()) {
            throw new NumberFormatException("not an ASCII integer");
        }
        return Long.parseLong(raw);
    }

    /**
     * {@code include_raw}, or {@code includeRaw} as the anchor's query struct also takes it (clients generated from
     * its schema send that); both given must agree.
     */
    public static boolean includeRaw(RoutingContext ctx) {
        boolean snake = booleanParam(ctx, "include_raw");
        boolean camel = booleanParam(ctx, "includeRaw");
        if (!isAbsent(ctx, "include_raw") && !isAbsent(ctx, "includeRaw") && snake != camel) {
            throw ApiException.invalid("include_raw and includeRaw disagree; give one of them");
        }
        return snake || camel;
    }

    private static boolean isAbsent(RoutingContext ctx, String name) {
        String raw = ctx.request().getParam(name);
        return raw == null || raw.isEmpty();
    }

    static boolean booleanParam(RoutingContext ctx, String name) {
        String raw = ctx.request().getParam(name);
        if (raw == null || raw.isEmpty()) {
            return false;
        }
        return switch (raw) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw ApiException.invalid(name + " must be true or false, got '" + truncate(raw) + "'");
        };
    }

    private static String truncate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
