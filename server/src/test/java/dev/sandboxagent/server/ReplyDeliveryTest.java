package dev.sandboxagent.server;

import static dev.sandboxagent.server.support.SseReader.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.ServerPerTest;
import dev.sandboxagent.server.support.SseReader;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * One owner per fact, over the real HTTP API with the mock agent: the session decides what is pending, the agent
 * is told to answer, and an answer the agent cannot take is an error the client sees, never a silent 204.
 */
class ReplyDeliveryTest extends ServerPerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int CLIENTS = 4;

    /** Sends the same answer from {@link #CLIENTS} clients at once; returns their answers. */
    private List<Api.Answer> race(String path, String body) {
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<Api.Answer>> answers = IntStream.range(0, CLIENTS)
                .mapToObj(i -> CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    return api.post(path, body);
                })).toList();
        go.countDown();
        return answers.stream().map(CompletableFuture::join).toList();
    }

    /**
     * Several clients answer the same request at once. Each answer the session still thinks pending reaches the
     * agent's adapter; the adapter writes the first and refuses the others (its agent waits for one answer), so
     * exactly one client gets 204 and every other one a problem: 409 {@code reply_not_accepted} from the adapter, or
     * 404 once the agent's resolution has been recorded. Before, every one of them got 204 and the agent dropped
     * all answers but the first in silence.
     */
    @Test
    void concurrentAnswersToOneRequestDeliverOneAndRefuseTheRest() {
        api.createSession("race", "mock");
        try (SseReader sse = server.sse("race", null)) {
            api.sendMessage("race", "permission write_file\nquestion continue?");
            String permissionId = sse.await(type("permission.requested"), WAIT).at("/data/permission_id").asText();
            List<Api.Answer> permission = race("/v1/sessions/race/permissions/" + permissionId + "/reply",
                    "{\"reply\":\"once\"}");
            assertOneDelivered(permission, "permission_not_found");

            String questionId = sse.await(type("question.requested"), WAIT).at("/data/question_id").asText();
            List<Api.Answer> question = race("/v1/sessions/race/questions/" + questionId + "/reply",
                    "{\"answers\":[[\"yes\"]]}");
            assertOneDelivered(question, "question_not_found");
            sse.await(type("turn.ended"), WAIT);
            assertThat(sse.events()).filteredOn(type("permission.resolved")).hasSize(1);
            assertThat(sse.events()).filteredOn(type("question.resolved")).hasSize(1);
        }
    }

    private static void assertOneDelivered(List<Api.Answer> answers, String notFound) {
        assertThat(answers).filteredOn(a -> a.status() == 204).as("%s", answers).hasSize(1);
        for (Api.Answer refused : answers.stream().filter(a -> a.status() != 204).toList()) {
            assertThat(refused.contentType()).startsWith("application/problem+json");
            JsonNode problem = refused.json();
            if (refused.status() == 409) {
                assertThat(problem.path("type").asText()).as("%s", refused).endsWith("reply_not_accepted");
                assertThat(problem.path("detail").asText()).contains("not waiting for an answer");
            } else {
                assertThat(refused.status()).as("%s", refused).isEqualTo(404);
                assertThat(problem.path("type").asText()).endsWith(notFound);
            }
        }
    }
}
