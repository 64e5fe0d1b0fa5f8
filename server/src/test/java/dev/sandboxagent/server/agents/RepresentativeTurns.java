package dev.sandboxagent.server.agents;

import static dev.sandboxagent.server.support.SseReader.type;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.RunningServer;
import dev.sandboxagent.server.support.SseReader;
import dev.sandboxagent.server.support.WireSnapshots;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The turns a real agent's wire snapshot records, the same for every agent the fake providers can script: a reply
 * in word-sized deltas, a reply streamed slowly, a shell command allowed once (its call, the permission, its
 * result, the reply), one rejected, a question answered, an interrupt while the provider stalls after one delta,
 * and a request the provider refuses. It waits for each turn to end before the next one, so the order of events is
 * the agent's and the server's, never the test's.
 */
final class RepresentativeTurns {
    private static final Duration WAIT = Duration.ofSeconds(90);
    static final String SESSION = "snap";

    private RepresentativeTurns() {
    }

    /**
     * Creates the session with {@code create} as its body, runs the turns ({@code shell} is the fake's prefix for a
     * shell command, e.g. {@code RUN_BASH: }) and returns every event an SSE client connected from the start
     * received.
     */
    static List<JsonNode> run(RunningServer server, Map<String, Object> create, String shell) {
        Api api = server.api();
        Api.Answer created = api.post("/v1/sessions/" + SESSION, Api.json(create));
        Api.require(created, 200);
        try (SseReader sse = server.sse(SESSION, null)) {
            try {
                turn(api, sse, "hello wire");
                turn(api, sse, "SLOW 3");
                String allowed = api.sendMessage(SESSION, shell + "echo allowed > allowed.txt");
                reply(api, sse, allowed, "once");
                awaitTurnEnded(sse, allowed);
                String rejected = api.sendMessage(SESSION, shell + "echo rejected > rejected.txt");
                reply(api, sse, rejected, "reject");
                awaitTurnEnded(sse, rejected);
                String question = api.sendMessage(SESSION, "ASK: Which database? | Postgres | SQLite");
                JsonNode asked = sse.await(inTurn(question, "question.requested"), WAIT);
                Api.require(api.post("/v1/sessions/" + SESSION + "/questions/"
                        + asked.at("/data/question_id").asText() + "/reply", "{\"answers\":[[\"SQLite\"]]}"), 204);
                awaitTurnEnded(sse, question);
                // The fake sends one delta and then nothing until the agent hangs up: the interrupt always comes
                // at the same point of the turn.
                String stalled = api.sendMessage(SESSION, "STALL");
                sse.await(inTurn(stalled, "item.delta"), WAIT);
                Api.require(api.post("/v1/sessions/" + SESSION + "/interrupt", null), 202);
                awaitTurnEnded(sse, stalled);
                turn(api, sse, "FAIL_REQUEST please");
                return sse.events();
            } catch (AssertionError e) {
                // What the agent did instead is the first thing to know.
                throw new AssertionError(e.getMessage() + "; events so far:\n"
                        + WireSnapshots.normalizer().normalize(sse.events()), e);
            }
        }
    }

    /**
     * The same for an ACP agent (opencode, gemini), which asks no questions of its own, in an order the fakes answer
     * the same way on every run: the interrupt and the refused request come before the shell commands, since opencode
     * sends a declined tool's result with the next prompt, and one more turn after the refused request shows the
     * session still works. {@code stalled} waits until the interrupt finds the turn stalled: for an agent that
     * forwards deltas as they stream (gemini), its first delta; opencode may write a message only once the
     * provider's is complete, so its test waits for the fake to have sent the delta.
     */
    static List<JsonNode> runAcp(RunningServer server, Map<String, Object> create, String shell,
            Runnable stalled) {
        Api api = server.api();
        Api.require(api.post("/v1/sessions/" + SESSION, Api.json(create)), 200);
        try (SseReader sse = server.sse(SESSION, null)) {
            try {
                turn(api, sse, "hello wire");
                turn(api, sse, "SLOW 3");
                String stall = api.sendMessage(SESSION, "STALL");
                if (stalled == null) {
                    sse.await(inTurn(stall, "item.delta"), WAIT);
                } else {
                    stalled.run();
                }
                Api.require(api.post("/v1/sessions/" + SESSION + "/interrupt", null), 202);
                awaitTurnEnded(sse, stall);
                turn(api, sse, "FAIL_REQUEST please");
                turn(api, sse, "after the error");
                String allowed = api.sendMessage(SESSION, shell + "echo allowed > allowed.txt");
                reply(api, sse, allowed, "once");
                awaitTurnEnded(sse, allowed);
                String rejected = api.sendMessage(SESSION, shell + "echo rejected > rejected.txt");
                reply(api, sse, rejected, "reject");
                awaitTurnEnded(sse, rejected);
                return sse.events();
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; events so far:\n"
                        + WireSnapshots.normalizer().normalize(sse.events()), e);
            }
        }
    }

    /**
     * The same for an agent that asks neither permissions nor questions (pi): text, streaming, a turn whose
     * provider reply starts with a thinking block ({@code THINK }, where the fake scripts one), an interrupt while
     * the provider stalls after one delta, a refused request and a turn after it, a shell command that runs unasked,
     * and a file written with the agent's write tool at {@code writePath} ({@code WRITE_FILE: }).
     */
    static List<JsonNode> runUnasked(RunningServer server, Map<String, Object> create, String shell,
            String writePath) {
        Api api = server.api();
        Api.require(api.post("/v1/sessions/" + SESSION, Api.json(create)), 200);
        try (SseReader sse = server.sse(SESSION, null)) {
            try {
                turn(api, sse, "hello wire");
                turn(api, sse, "SLOW 3");
                turn(api, sse, "THINK about the wire");
                String stall = api.sendMessage(SESSION, "STALL");
                sse.await(inTurn(stall, "item.delta"), WAIT);
                Api.require(api.post("/v1/sessions/" + SESSION + "/interrupt", null), 202);
                awaitTurnEnded(sse, stall);
                turn(api, sse, "FAIL_REQUEST please");
                turn(api, sse, "after the error");
                turn(api, sse, shell + "echo ran > ran.txt");
                turn(api, sse, "WRITE_FILE: " + writePath + " | hello notes");
                return sse.events();
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; events so far:\n"
                        + WireSnapshots.normalizer().normalize(sse.events()), e);
            }
        }
    }

    private static void turn(Api api, SseReader sse, String message) {
        awaitTurnEnded(sse, api.sendMessage(SESSION, message));
    }

    private static void reply(Api api, SseReader sse, String turnId, String reply) {
        JsonNode asked = sse.await(inTurn(turnId, "permission.requested"), WAIT);
        Api.require(api.post("/v1/sessions/" + SESSION + "/permissions/" + asked.at("/data/permission_id").asText()
                + "/reply", "{\"reply\":\"" + reply + "\"}"), 204);
    }

    /** An event of that type after the turn started (events carry no turn id, but turns do not overlap). */
    private static Predicate<JsonNode> inTurn(String turnId, String eventType) {
        boolean[] started = {false};
        return e -> {
            if (type("turn.started").test(e) && e.at("/data/turn_id").asText().equals(turnId)) {
                started[0] = true;
            }
            return started[0] && type(eventType).test(e);
        };
    }

    private static void awaitTurnEnded(SseReader sse, String turnId) {
        sse.await(e -> type("turn.ended").test(e) && e.at("/data/turn_id").asText().equals(turnId), WAIT);
    }
}
