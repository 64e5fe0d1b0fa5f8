package dev.sandboxagent.server;

import static dev.sandboxagent.server.support.SseReader.type;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.ServerPerTest;
import dev.sandboxagent.server.support.SseReader;
import dev.sandboxagent.server.support.WireSnapshots;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The wire, pinned: the mock agent (a real process under a real PTY, through the real server) runs a few
 * representative turns (text, streaming, a tool call and its result, an answered permission, an answered question,
 * an interrupt, an error, an unparsed line), and the events an SSE client receives are compared, normalized, with
 * the checked-in {@code src/test/resources/snapshots/mock.txt}. Any change to the wire (a type, a field, a value,
 * the order, an added or missing event) shows up as a unified diff of that file.
 *
 * <p>Normalized as {@link WireSnapshots} says (ids numbered by first appearance, times, durations), plus the data
 * and working directories.
 *
 * <p><b>Changing the wire on purpose:</b> run this test with {@code -Dsnapshots.update=true}, which rewrites the
 * snapshot file from the run instead of comparing, and commit the file; its diff is the wire change to review:
 * {@code mvn -B -q -pl server -am verify -Dtest=WireSnapshotTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dsnapshots.update=true}.
 */
class WireSnapshotTest extends ServerPerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void theMockAgentsWireMatchesItsSnapshot() throws IOException {
        api.createSession("snap", "mock");
        try (SseReader sse = server.sse("snap", null)) {
            turn(sse, "echo hello wire");
            turn(sse, "stream 3");
            turn(sse, "tool bash ls -la");
            String permission = api.sendMessage("snap", "permission write_file\necho permitted");
            JsonNode asked = sse.await(type("permission.requested"), WAIT);
            Api.require(api.post("/v1/sessions/snap/permissions/" + asked.at("/data/permission_id").asText()
                    + "/reply", "{\"reply\":\"once\"}"), 204);
            awaitTurnEnded(sse, permission);
            String question = api.sendMessage("snap", "question Deploy now?\necho answered");
            JsonNode q = sse.await(type("question.requested"), WAIT);
            Api.require(api.post("/v1/sessions/snap/questions/" + q.at("/data/question_id").asText() + "/reply",
                    "{\"answers\":[[\"yes\"]]}"), 204);
            awaitTurnEnded(sse, question);
            String sleeping = api.sendMessage("snap", "sleep 30\necho never");
            sse.await(e -> type("turn.started").test(e) && e.at("/data/turn_id").asText().equals(sleeping), WAIT);
            Api.require(api.post("/v1/sessions/snap/interrupt", null), 202);
            awaitTurnEnded(sse, sleeping);
            turn(sse, "error broke on purpose");
            turn(sse, "unparsed ???");
            // The data directory, and the server's working directory (the session's default directory), which is
            // wherever the checkout is.
            WireSnapshots.compare("mock", WireSnapshots.normalizer()
                    .replacing(dataDir.toString(), "<data-dir>")
                    .replacing(System.getProperty("user.dir"), "<working-dir>")
                    .normalize(sse.events()));
        }
    }

    private void turn(SseReader sse, String message) {
        awaitTurnEnded(sse, api.sendMessage("snap", message));
    }

    private static void awaitTurnEnded(SseReader sse, String turnId) {
        sse.await(e -> type("turn.ended").test(e) && e.at("/data/turn_id").asText().equals(turnId), WAIT);
    }
}
