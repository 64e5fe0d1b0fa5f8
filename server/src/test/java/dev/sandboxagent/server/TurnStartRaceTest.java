package dev.sandboxagent.server;

import static dev.sandboxagent.server.support.SseReader.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.ServerPerTest;
import dev.sandboxagent.server.support.SseReader;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a client may do the moment a message's 202 arrives, now that the 202 is posted by the commit that stored the
 * turn's start, possibly before the agent has the message (docs/benchmarks.md "Turn cost, session 11"): the turn is
 * running, a second message is refused with its id, an interrupt reaches the agent after the message (so the turn
 * ends interrupted instead of running on), and a terminate ends the turn and the session. Real server, the mock
 * agent under a real PTY, the real store; each race run many times in a row.
 */
class TurnStartRaceTest extends ServerPerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int ROUNDS = 15;

    @Test
    void rightAfterItsAcceptanceATurnRunsRefusesAnotherMessageAndCanBeInterrupted() {
        api.createSession("race", "mock");
        try (SseReader sse = server.sse("race", null)) {
            for (int i = 0; i < ROUNDS; i++) {
                String turnId = api.sendMessage("race", "sleep 30\necho never " + i);
                assertThat(api.session("race").get("runningTurnId").asText()).as("round " + i).isEqualTo(turnId);
                Api.Answer second = api.post("/v1/sessions/race/messages", "{\"message\":\"echo no\"}");
                assertThat(second.status()).as("round " + i).isEqualTo(409);
                assertThat(second.json().get("turnId").asText()).isEqualTo(turnId);
                Api.Answer interrupted = api.post("/v1/sessions/race/interrupt", null);
                assertThat(interrupted.status()).as("round " + i).isEqualTo(202);
                assertThat(interrupted.json().get("turnId").asText()).isEqualTo(turnId);
                JsonNode ended = sse.await(e -> type("turn.ended").test(e)
                        && e.at("/data/turn_id").asText().equals(turnId), WAIT);
                assertThat(ended.at("/data/metadata/status").asText()).as("round " + i).isEqualTo("interrupted");
            }
            assertThat(sse.events()).noneMatch(e -> e.at("/data/item/content/0/text").asText().startsWith("never"));
            assertThat(sse.events()).noneMatch(e -> e.at("/data/item/content/0/text").asText().equals("no"));
        }
    }

    /**
     * A client that has its 202 and then sees the turn end on SSE may send the next message at once, and it is
     * accepted, however quick the turn and however late the thread that started it gets to run again.
     */
    @Test
    void theNextMessageSentWhenATurnsEndArrivesIsNeverBusy() {
        api.createSession("quick", "mock");
        try (SseReader sse = server.sse("quick", null)) {
            for (int i = 0; i < 600; i++) {
                String turnId = api.sendMessage("quick", "echo hi " + i);
                sse.await(e -> type("turn.ended").test(e) && e.at("/data/turn_id").asText().equals(turnId), WAIT);
            }
        }
    }

    @Test
    void aTerminateRightAfterAMessagesAcceptanceEndsItsTurnAndTheSession() {
        for (int i = 0; i < ROUNDS; i++) {
            String id = "term" + i;
            api.createSession(id, "mock");
            String turnId = api.sendMessage(id, "sleep 30\necho never");
            assertThat(api.post("/v1/sessions/" + id + "/terminate", null).status()).isEqualTo(204);
            assertThat(api.session(id).get("ended").asBoolean()).isTrue();
            List<String> types = api.events(id).stream().map(e -> e.get("type").asText()).toList();
            assertThat(types).as("round " + i).containsSubsequence("turn.started", "turn.ended", "session.ended");
            JsonNode end = api.events(id).stream().filter(type("turn.ended")).findFirst().orElseThrow();
            assertThat(end.at("/data/turn_id").asText()).isEqualTo(turnId);
            assertThat(api.post("/v1/sessions/" + id + "/messages", "{\"message\":\"hi\"}").status()).isEqualTo(409);
        }
    }
}
