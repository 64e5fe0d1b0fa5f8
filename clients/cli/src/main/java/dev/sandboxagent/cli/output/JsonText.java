package dev.sandboxagent.cli.output;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.io.UncheckedIOException;

/**
 * JSON for {@code --json}. The mapper lives in a holder class so that commands printing text never build it:
 * creating an ObjectMapper costs ~100 ms of a CLI JVM's start-up (measured), which a human-output run need not pay.
 */
public final class JsonText {
    private JsonText() {
    }

    /** Indented: one answer of the server. */
    public static String pretty(Object value) {
        return write(Writers.PRETTY, value);
    }

    /** One line: a JSONL record (an event). */
    public static String line(Object value) {
        return write(Writers.COMPACT, value);
    }

    private static String write(ObjectWriter writer, Object value) {
        try {
            return writer.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final class Writers {
        private static final ObjectMapper MAPPER = new ObjectMapper();
        static final ObjectWriter COMPACT = MAPPER.writer();
        static final ObjectWriter PRETTY = MAPPER.writerWithDefaultPrettyPrinter();
    }
}
