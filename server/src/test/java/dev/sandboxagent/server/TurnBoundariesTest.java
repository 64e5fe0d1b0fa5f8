package dev.sandboxagent.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.agents.testing.Eventually;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.ServerPerTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * Where a turn begins and ends as a client sees it: idle means the turn's {@code turn.ended} is stored, and of two
 * messages sent together exactly one starts a turn.
 */
class TurnBoundariesTest extends ServerPerTest {
    private static final Duration WAIT = Duration.ofSeconds(120);

    @Test
    void aSessionIsIdleOnlyOnceItsWholeTurnIsReadable() throws Exception {
        api.createSession("idle", "mock");
        for (int i = 0; i < 100; i++) {
            assertWholeTurnReadableWhenIdle(api.sendMessage("idle", "echo short " + i));
        }
        // Faster than the disk: the writer's queue is thousands of events behind when the agent finishes.
        assertWholeTurnReadableWhenIdle(api.sendMessage("idle", "stream 60000 0"));
    }

    private void assertWholeTurnReadableWhenIdle(String turnId) throws InterruptedException {
        awaitIdle("idle");
        JsonNode info = api.session("idle");
        List<JsonNode> events = api.events("idle");
        JsonNode last = events.get(events.size() - 1);
        assertThat(last.get("type").asText()).as("last event once idle, turn %s", turnId).isEqualTo("turn.ended");
        assertThat(last.at("/data/turn_id").asText()).isEqualTo(turnId);
        assertThat(info.get("eventCount").asLong()).isEqualTo(events.size());
        assertThat(SessionLifecycleTest.sequences(events)).isEqualTo(SessionLifecycleTest.range(1, events.size()));
    }

    @Test
    void ofTwoMessagesSentTogetherExactlyOneStartsATurnAndTheOtherNamesIt() throws Exception {
        api.createSession("race", "mock");
        int pairs = 30;
        ExecutorService senders = Executors.newFixedThreadPool(2);
        try {
            for (int pair = 0; pair < pairs; pair++) {
                CyclicBarrier together = new CyclicBarrier(2);
                List<CompletableFuture<Api.Answer>> answers = new ArrayList<>();
                // New credentials with each pair: accepting its first message restarts the agent. The turn then
                // sleeps until this test interrupts it, so the second message finds it running however late it
                // comes: with a turn that ended on its own (an echo, a restart and a few ms), a sender the loaded
                // machine held back for as long saw no running turn and was accepted too (seen with a 1.5 s delay
                // put into the second sender).
                java.util.Map<String, String> credentials = java.util.Map.of("ANTHROPIC_BASE_URL",
                        "http://127.0.0.1:9/pair-" + pair);
                for (String who : List.of("a", "b")) {
                    String body = Api.json(java.util.Map.of("message", "echo " + who + pair + "\nsleep 600",
                            "credentials", credentials));
                    answers.add(CompletableFuture.supplyAsync(() -> {
                        await(together);
                        return api.post("/v1/sessions/race/messages", body);
                    }, senders));
                }
                List<Api.Answer> both = answers.stream().map(CompletableFuture::join).toList();
                List<Api.Answer> accepted = both.stream().filter(a -> a.status() == 202).toList();
                List<Api.Answer> refused = both.stream().filter(a -> a.status() == 409).toList();
                assertThat(accepted).as("pair %d: %s", pair, both).hasSize(1);
                assertThat(refused).as("pair %d: %s", pair, both).hasSize(1);
                assertThat(refused.get(0).contentType()).startsWith("application/problem+json");
                assertThat(refused.get(0).json().get("turnId").asText())
                        .isEqualTo(accepted.get(0).json().get("turnId").asText());
                // Interrupted once the agent runs it (its echo is out), not while the agent restarts.
                java.util.Set<String> echoes = java.util.Set.of("a" + pair, "b" + pair);
                Eventually.until("the accepted turn of pair " + pair + " sleeps", WAIT, Duration.ofMillis(10),
                        () -> api.events("race").stream().anyMatch(e -> e.get("type").asText().equals("item.completed")
                                && echoes.contains(e.at("/data/item/content/0/text").asText())));
                Api.require(api.post("/v1/sessions/race/interrupt", null), 202);
                awaitIdle("race");
            }
        } finally {
            senders.shutdownNow();
        }
        assertThat(api.events("race")).filteredOn(e -> e.get("type").asText().equals("turn.started"))
                .hasSize(pairs);
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Polls as fast as a client would that waits for idle, so an early idle is seen. */
    private void awaitIdle(String id) throws InterruptedException {
        Eventually.until("the turn of " + id + " ended", WAIT, Duration.ofMillis(1),
                () -> api.session(id).get("runningTurnId").isNull());
    }
}
