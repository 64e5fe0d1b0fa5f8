package dev.sandboxagent.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Reads Server-Sent Events frames as the HTML spec defines them: lines end in LF, CRLF or CR; {@code data:} lines
 * of one frame join with LF; one optional space after the colon is dropped; lines starting with {@code :} are
 * comments (the server's heartbeats) and are skipped; a blank line ends a frame; fields we do not use
 * ({@code event}, {@code retry}) are ignored.
 */
final class SseFrameReader {

    /** One dispatched frame. {@code id} is null when the frame had none. */
    record Frame(String id, String data) {
    }

    private final BufferedReader lines;

    SseFrameReader(InputStream body) {
        // BufferedReader.readLine already accepts all three line endings the spec allows.
        this.lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
    }

    /** The next frame with data, or null at the end of the stream. */
    Frame next() throws IOException {
        StringBuilder data = null;
        String id = null;
        String line;
        while ((line = lines.readLine()) != null) {
            if (line.isEmpty()) {
                if (data != null) {
                    return new Frame(id, data.toString());
                }
                id = null;
                continue;
            }
            if (line.charAt(0) == ':') {
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "data" -> {
                    if (data == null) {
                        data = new StringBuilder(value);
                    } else {
                        data.append('\n').append(value);
                    }
                }
                case "id" -> id = value;
                default -> {
                    // event, retry and unknown fields carry nothing this client needs
                }
            }
        }
        // A frame cut off by the end of the stream is incomplete: the spec says to drop it.
        return null;
    }
}
