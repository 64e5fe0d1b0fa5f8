package dev.sandboxagent.server.agents;

import static dev.sandboxagent.server.support.Transcripts.await;
import static dev.sandboxagent.server.support.Transcripts.completedKinds;
import static dev.sandboxagent.server.support.Transcripts.filesContaining;
import static dev.sandboxagent.server.support.Transcripts.send;
import static dev.sandboxagent.server.support.Transcripts.turnEnded;
import static dev.sandboxagent.server.support.Transcripts.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.agents.codex.CodexAdapter;
import dev.sandboxagent.agents.testing.FakeOpenAI;
import dev.sandboxagent.agents.testing.RealAgents;
import dev.sandboxagent.server.ServerConfig;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.RunningServer;
import dev.sandboxagent.server.support.Transcripts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Codex sessions through our HTTP API: the real CLI from npm ({@code codex app-server}), a fake Responses API on
 * 127.0.0.1, and OPENAI_API_KEY / OPENAI_BASE_URL given with the requests only.
 */
class CodexSessionTest {
    private static final String KEY = "sk-openai-secret-" + Long.toHexString(System.nanoTime());
    private static FakeOpenAI provider;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() throws IOException {
        RealAgents.require(CodexAdapter.ID, CodexAdapter.PACKAGE);
        provider = new FakeOpenAI();
    }

    @AfterAll
    static void tearDown() {
        if (provider != null) {
            provider.close();
        }
    }

    private RunningServer server() {
        ServerConfig base = RunningServer.config(dir.resolve("data"), RunningServer.TOKEN, 1024 * 1024);
        Map<String, String> env = new HashMap<>(base.agentEnvironment());
        env.put("SANDBOX_AGENT_AGENTS_DIR", RealAgents.agentsDir().toString());
        return RunningServer.start(new ServerConfig(base.host(), base.port(), base.token(), base.dataDir(),
                base.maxBodyBytes(), env));
    }

    private void create(Api api, String id) throws IOException {
        Path work = Files.createDirectories(dir.resolve("work-" + id));
        Api.Answer a = api.post("/v1/sessions/" + id, Api.json(Map.of("agent", "codex", "directory", work.toString(),
                "credentials", Map.of("OPENAI_API_KEY", KEY, "OPENAI_BASE_URL", provider.baseUrl()))));
        Api.require(a, 200);
        assertThat(a.json().path("healthy").asBoolean()).as(a.toString()).isTrue();
    }

    @Test
    void twoTurnsWithDeltasAndTheKeyIsStoredNowhere() throws Exception {
        try (RunningServer server = server()) {
            Api api = server.api();
            create(api, "x1");
            String t1 = send(api, "x1", "hello codex", null);
            await(api, "x1", turnEnded(t1));
            String t2 = send(api, "x1", "second codex turn", null);
            JsonNode end = await(api, "x1", turnEnded(t2));
            assertThat(end.path("data").path("metadata").path("status").asText()).isEqualTo("completed");
            List<JsonNode> events = api.events("x1");
            assertThat(events).filteredOn(type("item.delta")).hasSizeGreaterThanOrEqualTo(4);
            List<String> replies = events.stream().filter(type("item.completed"))
                    .filter(e -> e.path("data").path("item").path("role").asText().equals("assistant"))
                    .map(e -> e.path("data").path("item").path("content").path(0).path("text").asText()).toList();
            assertThat(replies).contains("FAKE_REPLY: you said hello codex", "FAKE_REPLY: you said second codex turn");
            assertThat(FakeOpenAI.textOf(provider.lastRequest())).contains("hello codex",
                    "FAKE_REPLY: you said hello codex", "second codex turn");
            assertThat(provider.authorizations()).contains("Bearer " + KEY);

            // A reply that starts with reasoning (a summary streamed in deltas): a reasoning item, then the text.
            String t3 = send(api, "x1", "THINK about codex", null);
            assertThat(await(api, "x1", turnEnded(t3)).at("/data/metadata/status").asText()).isEqualTo("completed");
            List<JsonNode> items = api.events("x1").stream().filter(type("item.completed"))
                    .map(e -> e.at("/data/item")).filter(item -> item.path("role").asText().equals("assistant")
                            && item.path("kind").asText().equals("message")).toList();
            JsonNode thought = items.get(items.size() - 2);
            assertThat(thought.at("/content/0/type").asText()).as(items.toString()).isEqualTo("reasoning");
            assertThat(thought.at("/content/0/text").asText()).isEqualTo("FAKE_THOUGHT: about codex");
            assertThat(items.get(items.size() - 1).at("/content/0/text").asText())
                    .isEqualTo("FAKE_REPLY: you said THINK about codex");
            String everything = api.get("/v1/sessions/x1/events?include_raw=true&limit=1000").body();
            assertThat(everything).doesNotContain(KEY);
        }
        assertThat(filesContaining(dir.resolve("data"), KEY)).isEmpty();
        assertThat(filesContaining(dir.resolve("data"), "second codex turn")).isNotEmpty();
    }

    @Test
    void aCommandRunsAfterOnceAndNotAfterReject() throws Exception {
        try (RunningServer server = server()) {
            Api api = server.api();
            create(api, "x2");
            Path work = dir.resolve("work-x2");
            String t1 = send(api, "x2", "RUN_SHELL: echo approved > approved.txt", null);
            JsonNode asked = await(api, "x2", type("permission.requested"));
            String first = asked.path("data").path("permission_id").asText();
            Api.require(api.post("/v1/sessions/x2/permissions/" + first + "/reply", "{\"reply\":\"once\"}"), 204);
            await(api, "x2", turnEnded(t1));
            assertThat(work.resolve("approved.txt")).hasContent("approved");
            assertThat(completedKinds(api, "x2")).containsSubsequence("tool_call", "tool_result", "message");
            // Codex starts its messages but reports tool results whole: the server gives them their item.started.
            assertThat(Transcripts.assertItemLifecycles(api.events("x2"))).isGreaterThanOrEqualTo(4);

            String t2 = send(api, "x2", "RUN_SHELL: echo nope > declined.txt", null);
            JsonNode second = await(api, "x2", e -> type("permission.requested").test(e)
                    && e.path("sequence").asLong() > asked.path("sequence").asLong());
            Api.require(api.post("/v1/sessions/x2/permissions/" + second.path("data").path("permission_id").asText()
                    + "/reply", "{\"reply\":\"reject\"}"), 204);
            await(api, "x2", turnEnded(t2));
            assertThat(work.resolve("declined.txt")).doesNotExist();
            List<String> resolved = api.events("x2").stream().filter(type("permission.resolved"))
                    .map(e -> e.path("data").path("status").asText()).toList();
            assertThat(resolved).containsExactly("accept", "reject");
        }
    }

    @Test
    void aQuestionFromCodexIsAnsweredThroughTheApi() throws Exception {
        try (RunningServer server = server()) {
            Api api = server.api();
            create(api, "x4");
            String t1 = send(api, "x4", "ASK: Which database? | Postgres | SQLite", null);
            JsonNode asked = await(api, "x4", type("question.requested"));
            assertThat(asked.path("data").path("options").toString()).isEqualTo("[\"Postgres\",\"SQLite\"]");
            Api.require(api.post("/v1/sessions/x4/questions/" + asked.path("data").path("question_id").asText()
                    + "/reply", "{\"answers\":[[\"SQLite\"]]}"), 204);
            await(api, "x4", turnEnded(t1));
            assertThat(await(api, "x4", type("question.resolved")).path("data").path("response").asText())
                    .isEqualTo("SQLite");
            assertThat(FakeOpenAI.textOf(provider.lastRequest())).contains("SQLite");
        }
    }

    @Test
    void interruptEndsALongTurnAndTheSessionStaysUsable() throws Exception {
        try (RunningServer server = server()) {
            Api api = server.api();
            create(api, "x3");
            String t1 = send(api, "x3", "SLOW 100", null);
            await(api, "x3", type("item.delta"));
            Api.require(api.post("/v1/sessions/x3/interrupt", null), 202);
            JsonNode end = await(api, "x3", turnEnded(t1));
            assertThat(end.path("data").path("metadata").path("status").asText()).isEqualTo("interrupted");
            String t2 = send(api, "x3", "still there", null);
            assertThat(await(api, "x3", turnEnded(t2)).path("data").path("metadata").path("status").asText())
                    .isEqualTo("completed");
        }
    }
}
