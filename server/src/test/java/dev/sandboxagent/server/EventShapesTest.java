package dev.sandboxagent.server;

import static dev.sandboxagent.server.support.SseReader.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.RunningServer;
import dev.sandboxagent.server.support.SseReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pins the JSON shape of every event type (field paths, not values), so a change to the wire format is a
 * deliberate edit of {@code event-shapes.txt}, never an accident. The shapes follow the anchor's v0.1 schema.
 *
 * <p>Deliberate edits so far: every item has an {@code item.started} (synthesized for the user's message, tool
 * calls and results, which carry their content at the start), and an agent that exits unasked adds an
 * {@code error} with {@code details.exit_code} (see AnchorSemanticsTest).
 */
class EventShapesTest {
    @TempDir
    Path dataDir;

    @Test
    void everyEventTypeKeepsItsShape() throws IOException {
        Map<String, TreeSet<String>> shapes = new TreeMap<>();
        try (RunningServer server = RunningServer.start(dataDir)) {
            Api api = server.api();
            api.createSession("shapes", "mock");
            try (SseReader sse = server.sse("shapes", null)) {
                api.sendMessage("shapes", "echo hi\nstream 2\ntool bash ls\nerror oops\nunparsed ???\n"
                        + "permission write\nquestion ok?");
                JsonNode permission = sse.await(type("permission.requested"), Duration.ofSeconds(30));
                api.post("/v1/sessions/shapes/permissions/" + permission.at("/data/permission_id").asText()
                        + "/reply", "{\"reply\":\"once\"}");
                JsonNode question = sse.await(type("question.requested"), Duration.ofSeconds(30));
                api.post("/v1/sessions/shapes/questions/" + question.at("/data/question_id").asText()
                        + "/reply", "{\"answers\":[[\"yes\"]]}");
                sse.await(type("turn.ended"), Duration.ofSeconds(30));
                api.sendMessage("shapes", "stderr bye\nexit 2");
                sse.await(type("session.ended"), Duration.ofSeconds(30));
            }
            api.createSession("resumed", "mock");
        }
        try (RunningServer restarted = RunningServer.start(dataDir)) {
            restarted.api().sendMessage("resumed", "echo again");
            for (String id : new String[] {"shapes", "resumed"}) {
                for (JsonNode event : restarted.api().get("/v1/sessions/" + id + "/events?include_raw=true")
                        .json().get("events")) {
                    String key = event.get("type").asText() + kindOf(event);
                    shapes.computeIfAbsent(key, k -> new TreeSet<>()).addAll(paths(event, ""));
                }
            }
        }
        StringBuilder actual = new StringBuilder();
        shapes.forEach((type, paths) -> actual.append(type).append(": ").append(String.join(" ", paths))
                .append('\n'));
        assertThat(actual.toString()).isEqualTo(expected());
    }

    private static String kindOf(JsonNode event) {
        JsonNode kind = event.at("/data/item/kind");
        return kind.isMissingNode() ? "" : "(" + kind.asText() + ")";
    }

    private static TreeSet<String> paths(JsonNode node, String prefix) {
        TreeSet<String> out = new TreeSet<>();
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                out.addAll(paths(f.getValue(), prefix + "/" + f.getKey()));
            }
            if (!node.fields().hasNext()) {
                out.add(prefix + "{}");
            }
        } else if (node.isArray()) {
            if (node.isEmpty()) {
                out.add(prefix + "[]");
            }
            node.forEach(element -> out.addAll(paths(element, prefix + "[]")));
        } else {
            out.add(prefix);
        }
        return out;
    }

    private static String expected() throws IOException {
        try (InputStream in = EventShapesTest.class.getResourceAsStream("/event-shapes.txt")) {
            return in == null ? "(missing event-shapes.txt)" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
