package dev.sandboxagent.server.agents;

import static dev.sandboxagent.server.support.SseReader.type;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.agents.claude.ClaudeAdapter;
import dev.sandboxagent.agents.testing.FakeAnthropic;
import dev.sandboxagent.agents.testing.RealAgents;
import dev.sandboxagent.server.ServerConfig;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.RunningServer;
import dev.sandboxagent.server.support.SseReader;
import dev.sandboxagent.server.support.WireSnapshots;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Claude Code's wire, pinned: the real CLI from npm against {@link FakeAnthropic} on 127.0.0.1, through the real
 * server, runs representative turns (text with word-sized deltas, a reply streamed slowly, a Bash tool call allowed
 * once and its result, one rejected, an AskUserQuestion answered, an interrupt mid-stream, a request the provider
 * refuses), and the events an SSE client receives are compared, normalized by {@link WireSnapshots}, with
 * {@code src/test/resources/snapshots/claude.txt}. A change to what the server sends for Claude Code (adapter,
 * session core, event hub, or the CLI's version) shows up as a unified diff of that file.
 *
 * <p>Normalized besides ids, times and durations: the data and session directories and the CLI's version.
 * Rewrite the snapshot with {@code -Dsnapshots.update=true} (see {@code WireSnapshotTest}).
 */
class ClaudeWireSnapshotTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String SESSION = "snap";

    @TempDir
    Path dir;

    @Test
    void claudeCodesWireMatchesItsSnapshot() throws IOException {
        RealAgents.require(ClaudeAdapter.ID, ClaudeAdapter.PACKAGE);
        Path data = dir.resolve("data");
        Path work = Files.createDirectories(dir.resolve("work"));
        try (FakeAnthropic provider = new FakeAnthropic(); RunningServer server = server(data)) {
            Api api = server.api();
            Api.Answer created = api.post("/v1/sessions/" + SESSION, Api.json(Map.of("agent", "claude",
                    "permissionMode", "default", "directory", work.toString(), "credentials",
                    Map.of("ANTHROPIC_API_KEY", "sk-ant-snapshot", "ANTHROPIC_BASE_URL", provider.baseUrl()))));
            Api.require(created, 200);
            try (SseReader sse = server.sse(SESSION, null)) {
                turn(api, sse, "hello wire");
                turn(api, sse, "SLOW 3");
                String allowed = api.sendMessage(SESSION, "RUN_BASH: echo allowed > allowed.txt");
                reply(api, sse, allowed, "once");
                awaitTurnEnded(sse, allowed);
                String rejected = api.sendMessage(SESSION, "RUN_BASH: echo rejected > rejected.txt");
                reply(api, sse, rejected, "reject");
                awaitTurnEnded(sse, rejected);
                String question = api.sendMessage(SESSION, "ASK: Which database? | Postgres | SQLite");
                JsonNode q = sse.await(inTurn(question, "question.requested"), WAIT);
                Api.require(api.post("/v1/sessions/" + SESSION + "/questions/" + q.at("/data/question_id").asText()
                        + "/reply", "{\"answers\":[[\"SQLite\"]]}"), 204);
                awaitTurnEnded(sse, question);
                String stalled = api.sendMessage(SESSION, "STALL");
                sse.await(type("item.delta").and(e -> e.at("/data/delta").asText().equals("stalled ")), WAIT);
                Api.require(api.post("/v1/sessions/" + SESSION + "/interrupt", null), 202);
                awaitTurnEnded(sse, stalled);
                turn(api, sse, "FAIL_REQUEST please");
                for (JsonNode r : provider.requests()) {
                    System.err.println("REQ model=" + r.path("model") + " max=" + r.path("max_tokens") + " tools="
                            + r.path("tools").size() + " text=" + FakeAnthropic.textOf(r).replace("\n", " ")
                            .substring(0, Math.min(200, FakeAnthropic.textOf(r).length())));
                }
                WireSnapshots.compare("claude", WireSnapshots.normalizer()
                        .replacing(data.toString(), "<data-dir>")
                        .replacing(work.toString(), "<work-dir>")
                        .replacing(ClaudeAdapter.PACKAGE.defaultVersion(), "<claude-version>")
                        .normalize(sse.events()));
            }
        }
    }

    private static RunningServer server(Path data) {
        ServerConfig base = RunningServer.config(data, RunningServer.TOKEN, 1024 * 1024);
        Map<String, String> env = new HashMap<>(base.agentEnvironment());
        env.put("SANDBOX_AGENT_AGENTS_DIR", RealAgents.agentsDir().toString());
        // The refused request fails the turn at once instead of after retries with backoff.
        env.put("CLAUDE_CODE_MAX_RETRIES", "0");
        return RunningServer.start(new ServerConfig(base.host(), base.port(), base.token(), base.dataDir(),
                base.maxBodyBytes(), env));
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
    private static java.util.function.Predicate<JsonNode> inTurn(String turnId, String eventType) {
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
