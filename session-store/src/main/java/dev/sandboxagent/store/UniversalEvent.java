package dev.sandboxagent.store;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.util.RawValue;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One entry of a session's transcript (the anchor's v0.1 schema, snake_case), with the bytes that carry it on the
 * wire. Only the store creates these: it assigns {@code sequence} (1.., gap-free per session), {@code event_id}
 * and {@code time} when it accepts an {@link EventDraft}.
 *
 * <p><b>Encoded once.</b> The store encodes an event when it accepts it and keeps the bytes: {@link #encoded()} is
 * the event's JSON without {@code raw}, {@link #encodedRaw()} the agent's {@code raw} payload alone. Live delivery,
 * replay and pages send these bytes unchanged; {@link #encoded(boolean)} adds {@code raw} by splicing
 * {@code ,"raw":<raw>} before the closing brace, which gives exactly the JSON of the whole event because
 * {@code raw} is its last field. The decoded fields ({@link #data()}, ...) of an event read back from the store
 * are parsed from those bytes on first use only, so replaying an event to a client never parses it.
 */
public final class UniversalEvent {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final byte[] RAW_FIELD = ",\"raw\":".getBytes(StandardCharsets.US_ASCII);

    /** The fields that only the JSON holds (the store's columns hold the others). */
    private record Body(String nativeSessionId, String source, boolean synthetic, JsonNode data) {
    }

    private final String eventId;
    private final long sequence;
    private final String time;
    private final String sessionId;
    private final String type;
    private final byte[] encoded;
    private final byte[] encodedRaw;
    private volatile Body body;
    private volatile JsonNode raw;

    private UniversalEvent(String eventId, long sequence, String time, String sessionId, String type, byte[] encoded,
                           byte[] encodedRaw, Body body, JsonNode raw) {
        this.eventId = eventId;
        this.sequence = sequence;
        this.time = time;
        this.sessionId = sessionId;
        this.type = type;
        this.encoded = encoded;
        this.encodedRaw = encodedRaw;
        this.body = body;
        this.raw = raw;
    }

    /**
     * Encodes a new event: the one place an event becomes bytes.
     *
     * @param raw the agent's own payload, kept apart from the rest; null for none
     * @throws JsonProcessingException if {@code data} or {@code raw} cannot be written as JSON
     */
    public static UniversalEvent encode(String eventId, long sequence, String time, String sessionId,
                                        String nativeSessionId, String source, boolean synthetic, String type,
                                        JsonNode data, JsonNode raw) throws JsonProcessingException {
        Objects.requireNonNull(data, "data");
        return encode(eventId, sequence, time, sessionId, nativeSessionId, source, synthetic, type, data, null, raw);
    }

    /**
     * Encodes a new event from its draft: typed data is written straight into the event's bytes, with no tree in
     * between; its tree is parsed from those bytes only if someone asks for {@link #data()}.
     */
    public static UniversalEvent encode(String eventId, long sequence, String time, String sessionId,
                                        EventDraft draft) throws JsonProcessingException {
        return encode(eventId, sequence, time, sessionId, draft.nativeSessionId(), draft.source(),
                draft.synthetic(), draft.type(), draft.typed() == null ? draft.data() : null, draft.typed(),
                draft.raw());
    }

    private static UniversalEvent encode(String eventId, long sequence, String time, String sessionId,
                                         String nativeSessionId, String source, boolean synthetic, String type,
                                         JsonNode data, EventDraft.TypedData typed, JsonNode raw)
            throws JsonProcessingException {
        Encoder encoder = new Encoder();
        try {
            return encoder.encode(eventId, sequence, time, sessionId, nativeSessionId, source, synthetic, type,
                    data, typed, raw);
        } finally {
            encoder.close();
        }
    }

    /**
     * Encodes events one after another with one generator and one scratch buffer, for a thread that encodes many
     * (the store's writer, a commit of up to thousands of events): a generator made per event, and a second one
     * for {@code raw}, cost more of the writer's time than the bytes they wrote (buffer recycling, set-up, an
     * object writer for {@code raw}). The bytes are exactly those of {@link UniversalEvent#encode}: the same
     * generator settings write the same fields in the same order. Not thread-safe: one per thread.
     */
    public static final class Encoder {
        private static final SerializedString EVENT_ID = new SerializedString("event_id");
        private static final SerializedString SEQUENCE = new SerializedString("sequence");
        private static final SerializedString TIME = new SerializedString("time");
        private static final SerializedString SESSION_ID = new SerializedString("session_id");
        private static final SerializedString NATIVE_SESSION_ID = new SerializedString("native_session_id");
        private static final SerializedString SOURCE = new SerializedString("source");
        private static final SerializedString SYNTHETIC = new SerializedString("synthetic");
        private static final SerializedString TYPE = new SerializedString("type");
        private static final SerializedString DATA = new SerializedString("data");

        private final Scratch scratch = new Scratch();
        /**
         * The quoted UTF-8 of the values that repeat from one event to the next (a session's id and native id, the
         * source, the type, a millisecond's time): written as bytes, not escaped and encoded char by char again.
         */
        private final Quoted sessionIds = new Quoted();
        private final Quoted nativeSessionIds = new Quoted();
        private final Quoted sources = new Quoted();
        private final Quoted types = new Quoted();
        private final Quoted times = new Quoted();
        /** Made on first use and after a failure, which may leave it inside an unfinished value. */
        private JsonGenerator generator;

        /** Encodes a new event from its draft, as {@link UniversalEvent#encode(String, long, String, String, EventDraft)}. */
        public UniversalEvent encode(String eventId, long sequence, String time, String sessionId, EventDraft draft)
                throws JsonProcessingException {
            return encode(eventId, sequence, time, sessionId, draft.nativeSessionId(), draft.source(),
                    draft.synthetic(), draft.type(), draft.typed() == null ? draft.data() : null, draft.typed(),
                    draft.raw());
        }

        private UniversalEvent encode(String eventId, long sequence, String time, String sessionId,
                                      String nativeSessionId, String source, boolean synthetic, String type,
                                      JsonNode data, EventDraft.TypedData typed, JsonNode raw)
                throws JsonProcessingException {
            byte[] encoded;
            byte[] encodedRaw = null;
            try {
                JsonGenerator out = generator();
                // The fields in wire order (what the Wire record's serializer wrote).
                out.writeStartObject();
                out.writeFieldName(EVENT_ID);
                out.writeString(eventId);
                out.writeFieldName(SEQUENCE);
                out.writeNumber(sequence);
                out.writeFieldName(TIME);
                times.write(out, time);
                out.writeFieldName(SESSION_ID);
                sessionIds.write(out, sessionId);
                if (nativeSessionId != null) {
                    out.writeFieldName(NATIVE_SESSION_ID);
                    nativeSessionIds.write(out, nativeSessionId);
                }
                out.writeFieldName(SOURCE);
                sources.write(out, source);
                out.writeFieldName(SYNTHETIC);
                out.writeBoolean(synthetic);
                out.writeFieldName(TYPE);
                types.write(out, type);
                out.writeFieldName(DATA);
                if (typed != null) {
                    typed.writeTo(out);
                } else {
                    MAPPER.writeTree(out, data);
                }
                out.writeEndObject();
                out.flush();
                encoded = scratch.take();
                if (raw != null) {
                    if (raw.isTextual()) {
                        out.writeString(raw.textValue()); // what the tree's serializer writes for a text node
                    } else {
                        MAPPER.writeTree(out, raw);
                    }
                    out.flush();
                    encodedRaw = scratch.take();
                }
            } catch (IOException | RuntimeException e) {
                // Whatever failed may have left the generator inside a value: start the next event afresh.
                generator = null;
                scratch.take();
                if (e instanceof JsonProcessingException failure) {
                    throw failure;
                }
                if (e instanceof RuntimeException failure) {
                    throw failure;
                }
                throw new IllegalStateException("writing to memory cannot fail", e);
            }
            // Not the raw tree: the bytes are what is sent; raw() parses them if ever asked. An event waits in
            // subscribers' queues, and what it holds there is copied by every young collection it lives through.
            return new UniversalEvent(eventId, sequence, time, sessionId, type, encoded, encodedRaw,
                    typed != null ? null : new Body(nativeSessionId, source, synthetic, data), null);
        }

        /** Gives the generator's buffers back to Jackson's recycler; the encoder may be used again afterwards. */
        public void close() {
            JsonGenerator open = generator;
            generator = null;
            if (open != null) {
                try {
                    open.close();
                } catch (IOException e) {
                    throw new IllegalStateException("writing to memory cannot fail", e);
                }
            }
            scratch.take();
        }

        private JsonGenerator generator() throws IOException {
            if (generator == null) {
                generator = MAPPER.getFactory().createGenerator(scratch);
                // Each event, and each raw, is a root value of its own: nothing between them.
                generator.setRootValueSeparator(null);
            }
            return generator;
        }
    }

    /**
     * A field whose values repeat from event to event: the last value seen, and its quoted UTF-8, written as bytes.
     * A value with surrogates is written as a string every time: the generator escapes a surrogate pair where the
     * quoting of a {@link SerializedString} would not, and the bytes must be the generator's.
     */
    private static final class Quoted {
        private String value;
        private SerializedString serialized; // null when value is written as a string

        void write(JsonGenerator out, String next) throws IOException {
            if (next == null) {
                out.writeNull(); // what writeString(null) writes
                return;
            }
            if (next != value && !next.equals(value)) {
                value = next;
                serialized = hasSurrogates(next) ? null : new SerializedString(next);
            }
            if (serialized != null) {
                out.writeString(serialized);
            } else {
                out.writeString(next);
            }
        }

        private static boolean hasSurrogates(String text) {
            for (int i = 0; i < text.length(); i++) {
                if (Character.isSurrogate(text.charAt(i))) {
                    return true;
                }
            }
            return false;
        }
    }

    /** An output stream into one reused array, unsynchronized: the encoder's, one thread's. */
    private static final class Scratch extends OutputStream {
        private byte[] buffer = new byte[1024];
        private int count;

        @Override
        public void write(int b) {
            ensure(1);
            buffer[count++] = (byte) b;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            ensure(length);
            System.arraycopy(bytes, offset, buffer, count, length);
            count += length;
        }

        /** What was written since the last take, and empties the buffer. */
        byte[] take() {
            byte[] written = Arrays.copyOf(buffer, count);
            count = 0;
            return written;
        }

        private void ensure(int more) {
            if (count + more > buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, count + more));
            }
        }
    }

    /**
     * An event as the store kept it: its indexed fields and the bytes {@link #encode} made. The rest is parsed from
     * the bytes on first use; bytes that do not parse then fail with a {@link StoreException}.
     */
    public static UniversalEvent stored(String eventId, long sequence, String time, String sessionId, String type,
                                        byte[] encoded, byte[] encodedRaw) {
        Objects.requireNonNull(encoded, "encoded");
        return new UniversalEvent(eventId, sequence, time, sessionId, type, encoded, encodedRaw, null, null);
    }

    public String eventId() {
        return eventId;
    }

    public long sequence() {
        return sequence;
    }

    public String time() {
        return time;
    }

    public String sessionId() {
        return sessionId;
    }

    public String type() {
        return type;
    }

    public String nativeSessionId() {
        return body().nativeSessionId();
    }

    public String source() {
        return body().source();
    }

    public boolean synthetic() {
        return body().synthetic();
    }

    public JsonNode data() {
        return body().data();
    }

    /** The agent's own payload, or null. */
    public JsonNode raw() {
        JsonNode node = raw;
        if (node == null && encodedRaw != null) {
            node = parse(encodedRaw);
            raw = node;
        }
        return node;
    }

    /** The event's JSON without {@code raw}, as sent to clients. Shared, not copied: never modify it. */
    public byte[] encoded() {
        return encoded;
    }

    /** The JSON of the agent's {@code raw} payload alone, or null if it has none. Shared: never modify it. */
    public byte[] encodedRaw() {
        return encodedRaw;
    }

    /**
     * The bytes to send: {@link #encoded()} as is, or with {@code raw} spliced in as the last field. Only the
     * splice allocates; neither way encodes anything.
     */
    public byte[] encoded(boolean includeRaw) {
        if (!includeRaw || encodedRaw == null) {
            return encoded;
        }
        int head = encoded.length - 1; // everything before the closing brace
        byte[] whole = new byte[head + RAW_FIELD.length + encodedRaw.length + 1];
        System.arraycopy(encoded, 0, whole, 0, head);
        System.arraycopy(RAW_FIELD, 0, whole, head, RAW_FIELD.length);
        System.arraycopy(encodedRaw, 0, whole, head + RAW_FIELD.length, encodedRaw.length);
        whole[whole.length - 1] = '}';
        return whole;
    }

    /** The same event without its {@code raw} payload (clients ask for raw explicitly). */
    public UniversalEvent withoutRaw() {
        return encodedRaw == null ? this
                : new UniversalEvent(eventId, sequence, time, sessionId, type, encoded, null, body, null);
    }

    /** Jackson writes the event as its stored bytes, raw included: what encoding the whole event always gave. */
    @JsonValue
    RawValue json() {
        return new RawValue(new String(encoded(true), StandardCharsets.UTF_8));
    }

    private Body body() {
        Body decoded = body;
        if (decoded == null) {
            JsonNode tree = parse(encoded);
            JsonNode nativeId = tree.get("native_session_id");
            decoded = new Body(nativeId == null || nativeId.isNull() ? null : nativeId.asText(),
                    tree.path("source").asText(null), tree.path("synthetic").asBoolean(), tree.get("data"));
            body = decoded;
        }
        return decoded;
    }

    private JsonNode parse(byte[] json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            // Jackson's message quotes the JSON it choked on, which may hold a secret: keep only the kind and place.
            String where = e instanceof JsonProcessingException p && p.getLocation() != null
                    ? " at column " + p.getLocation().getColumnNr() : "";
            throw new StoreException("event " + sequence + " of session '" + sessionId
                    + "' is stored as unreadable JSON (" + e.getClass().getSimpleName() + where + ")");
        }
    }

    /** Two events are equal when they are the same stored event: same place in the log, same bytes. */
    @Override
    public boolean equals(Object other) {
        return other instanceof UniversalEvent that && sequence == that.sequence
                && sessionId.equals(that.sessionId) && eventId.equals(that.eventId)
                && Arrays.equals(encoded, that.encoded) && Arrays.equals(encodedRaw, that.encodedRaw);
    }

    @Override
    public int hashCode() {
        return Objects.hash(sessionId, sequence, eventId);
    }

    /** Names the event without its contents, which may hold secrets. */
    @Override
    public String toString() {
        return "UniversalEvent[session_id=" + sessionId + ", sequence=" + sequence + ", type=" + type + "]";
    }
}
