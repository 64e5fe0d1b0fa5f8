package dev.sandboxagent.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseFrameReaderTest {

    @Test
    void readsIdAndDataAndSkipsCommentsAndUnknownFields() throws IOException {
        List<SseFrameReader.Frame> frames = read(": stream open\n\n"
                + "id: 1\ndata: {\"a\":1}\n\n"
                + ": heartbeat\n\n"
                + "event: message\nretry: 10\nid: 2\ndata: {\"a\":2}\n\n");
        assertThat(frames).containsExactly(new SseFrameReader.Frame("1", "{\"a\":1}"),
                new SseFrameReader.Frame("2", "{\"a\":2}"));
    }

    @Test
    void joinsDataLinesAndAcceptsEveryLineEnding() throws IOException {
        List<SseFrameReader.Frame> frames = read("id: 7\r\ndata: one\r\ndata:two\r\n\r\ndata: three\rdata: x\r\r");
        assertThat(frames).containsExactly(new SseFrameReader.Frame("7", "one\ntwo"),
                new SseFrameReader.Frame(null, "three\nx"));
    }

    @Test
    void dropsAFrameCutOffByTheEndOfTheStream() throws IOException {
        assertThat(read("id: 1\ndata: whole\n\nid: 2\ndata: half")).hasSize(1);
    }

    private static List<SseFrameReader.Frame> read(String text) throws IOException {
        SseFrameReader reader = new SseFrameReader(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        List<SseFrameReader.Frame> frames = new ArrayList<>();
        SseFrameReader.Frame frame;
        while ((frame = reader.next()) != null) {
            frames.add(frame);
        }
        return frames;
    }
}
