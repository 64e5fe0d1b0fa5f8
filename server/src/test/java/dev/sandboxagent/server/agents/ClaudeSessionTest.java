package dev.sandboxagent.server.agents;

import static dev.sandboxagent.server.support.Transcripts.await;
import static dev.sandboxagent.server.support.Transcripts.filesContaining;
import static dev.sandboxagent.server.support.Transcripts.send;
import static dev.sandboxagent.server.support.Transcripts.turnEnded;
import static dev.sandboxagent.server.support.Transcripts.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.agents.claude.ClaudeAdapter;
import dev.sandboxagent.agents.testing.FakeAnthropic;
import dev.sandboxagent.agents.testing.RealAgents;
import dev.sandboxagent.server.ServerConfig;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.RunningServer;
import dev.sandboxagent.server.support.ServerProcess;
import dev.sandboxagent.server.support.Transcripts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Claude Code sessions through our HTTP API: the real CLI from npm, a fake Anthropic API on 127.0.0.1, and
 * credentials that come with the requests only (the server's own environment has none).
 */
class ClaudeSessionTest {
    private static final String KEY = "sk-ant-secret-" + Long.toHexString(System.nanoTime()) + "-do-not-store";
    private static FakeAnthropic provider;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() throws IOException {
        RealAgents.require(ClaudeAdapter.ID, ClaudeAdapter.PACKAGE);
        provider = new FakeAnthropic();
    }

    @AfterAll
    static void tearDown() {
        if (provider != null) {
            provider.close();
        }
    }

    private RunningServer server() {
        ServerConfig base = RunningServer.config(dir.resolve("data"), RunningServer.TOKEN, 1024 * 1024);
        Map<String, String> env = new java.util.HashMap<>(base.agentEnvironment());
        env.put("SANDBOX_AGENT_AGENTS_DIR", RealAgents.agentsDir().toString());
        env.put("CLAUDE_CODE_MAX_RETRIES", "0");
        return RunningServer.start(new ServerConfig(base.host(), base.port(), base.token(), base.dataDir(),
                base.maxBodyBytes(), env));
    }

    private Map<String, Object> credentials() {
        return Map.of("ANTHROPIC_API_KEY", KEY, "ANTHROPIC_BASE_URL", provider.baseUrl());
    }

    private JsonNode create(Api api, String id, String permissionMode) throws IOException {
        Path work = Files.createDirectories(dir.resolve("work-" + id));
        Api.Answer a = api.post("/v1/sessions/" + id, Api.json(Map.of("agent", "claude",
                "permissionMode", permissionMode, "directory", work.toString(), "credentials", credentials())));
        Api.require(a, 200);
        assertThat(a.json().path("healthy").asBoolean()).as(a.toString()).isTrue();
        return a.json();
    }

    @Test
    void agentsListShowsClaudeInstalledWithItsVersionAndNoServerCredentials() {
        try (RunningServer server = server()) {
            JsonNode agents = server.api().get("/v1/agents").json().path("agents");
            JsonNode claude = null;
            for (JsonNode a : agents) {
                if (a.path("id").asText().equals("claude")) {
                    claude = a;
                }
            }
            assertThat(claude).as(agents.toString()).isNotNull();
            assertThat(claude.path("installed").asBoolean()).isTrue();
            assertThat(claude.path("version").asText()).isEqualTo(ClaudeAdapter.PACKAGE.defaultVersion());
            assertThat(claude.path("path").asText()).startsWith(RealAgents.agentsDir().toString());
            assertThat(claude.path("credentialsAvailable").asBoolean()).isFalse();
            assertThat(claude.path("capabilities").path("permissions").asBoolean()).isTrue();
        }
    }

    @Test
    void twoTurnsWithDeltasThroughTheApiAndTheSecondSeesTheFirst() throws Exception {
        try (RunningServer server = server()) {
            Api api = server.api();
            create(api, "c1", "default");
            String t1 = send(api, "c1", "hello from the api", null);
            await(api, "c1", turnEnded(t1));
            String t2 = send(api, "c1", "and a second turn", null);
            JsonNode end = await(api, "c1", turnEnded(t2));
            assertThat(end.path("data").path("metadata").path("status").asText()).isEqualTo("completed");
            List<JsonNode> events = api.events("c1");
            assertThat(events).filteredOn(type("item.delta")).hasSizeGreaterThanOrEqualTo(6);
            List<String> replies = events.stream().filter(type("item.completed"))
                    .filter(e -> e.path("data").path("item").path("role").asText().equals("assistant"))
                    .map(e -> e.path("data").path("item").path("content").path(0).path("text").asText()).toList();
            assertThat(replies).containsExactly("FAKE_REPLY: you said hello from the api",
                    "FAKE_REPLY: you said and a second turn");
            String seen = FakeAnthropic.textOf(provider.requests().get(provider.requests().size() - 1));
            assertThat(seen).contains("hello from the api", "FAKE_REPLY: you said hello from the api");
            assertThat(api.session("c1").path("nativeSessionId").asText()).matches("[0-9a-f-]{36}");

            // A reply that starts with a thinking block: a reasoning item (its text streamed), then the text.
            String t3 = send(api, "c1", "THINK about pelicans", null);
            assertThat(await(api, "c1", turnEnded(t3)).at("/data/metadata/status").asText()).isEqualTo("completed");
            List<JsonNode> items = api.events("c1").stream().filter(type("item.completed"))
                    .map(e -> e.at("/data/item")).filter(item -> item.path("role").asText().equals("assistant"))
                    .toList();
            JsonNode thought = items.get(items.size() - 2);
            assertThat(thought.at("/content/0/type").asText()).as(items.toString()).isEqualTo("reasoning");
            assertThat(thought.at("/content/0/text").asText()).isEqualTo("FAKE_THOUGHT: about pelicans");
            assertThat(items.get(items.size() - 1).at("/content/0/text").asText())
                    .isEqualTo("FAKE_REPLY: you said THINK about pelicans");
        }
    }

    @Test
    void permissionsRepliedOnceRunTheToolAndRejectedOnesDoNot() throws Exception {
        try (RunningServer server = server()) {
            Api api = server.api();
            create(api, "p1", "default");
            Path work = dir.resolve("work-p1");
            String t1 = send(api, "p1", "RUN_BASH: echo allowed > allowed.txt", null);
            JsonNode asked = await(api, "p1", type("permission.requested"));
            String permission = asked.path("data").path("permission_id").asText();
            Api.require(api.post("/v1/sessions/p1/permissions/" + permission + "/reply",
                    "{\"reply\":\"once\"}"), 204);
            await(api, "p1", turnEnded(t1));
            assertThat(work.resolve("allowed.txt")).hasContent("allowed");
            // Claude Code reports tool calls and results whole: the server gives them their item.started.
            assertThat(Transcripts.assertItemLifecycles(api.events("p1"))).isGreaterThanOrEqualTo(4);
            List<String> kinds = api.events("p1").stream().filter(type("item.completed"))
                    .map(e -> e.path("data").path("item").path("kind").asText()).toList();
            assertThat(kinds).containsSubsequence("tool_call", "tool_result", "message");

            String t2 = send(api, "p1", "RUN_BASH: echo denied > denied.txt", null);
            JsonNode second = await(api, "p1", e -> type("permission.requested").test(e)
                    && !e.path("data").path("permission_id").asText().equals(permission));
            Api.require(api.post("/v1/sessions/p1/permissions/"
                    + second.path("data").path("permission_id").asText() + "/reply", "{\"reply\":\"reject\"}"), 204);
            await(api, "p1", turnEnded(t2));
            assertThat(work.resolve("denied.txt")).doesNotExist();
            List<String> resolved = api.events("p1").stream().filter(type("permission.resolved"))
                    .map(e -> e.path("data").path("status").asText()).toList();
            assertThat(resolved).containsExactly("accept", "reject");

            // A Write allowed once: the file is written, and its result names it in a file_ref.
            Path notes = work.resolve("notes.txt");
            String t3 = send(api, "p1", "WRITE_FILE: " + notes + " | hello notes", null);
            JsonNode third = await(api, "p1", e -> type("permission.requested").test(e)
                    && e.at("/data/metadata/tool_name").asText().equals("Write"));
            Api.require(api.post("/v1/sessions/p1/permissions/" + third.at("/data/permission_id").asText()
                    + "/reply", "{\"reply\":\"once\"}"), 204);
            assertThat(await(api, "p1", turnEnded(t3)).at("/data/metadata/status").asText()).isEqualTo("completed");
            assertThat(notes).hasContent("hello notes");
            JsonNode written = api.events("p1").stream().filter(type("item.completed"))
                    .map(e -> e.at("/data/item")).filter(item -> item.path("kind").asText().equals("tool_result"))
                    .reduce((first, last) -> last).orElseThrow();
            assertThat(written.path("content").toString()).as(written.toString())
                    .contains("{\"type\":\"file_ref\",\"path\":\"" + notes + "\",\"action\":\"write\"}");
        }
    }

    @Test
    void aMessageWithOtherCredentialsRestartsTheAgentWithThemAndKeepsTheConversation() throws Exception {
        try (RunningServer server = server()) {
            Api api = server.api();
            create(api, "r1", "default");
            String t1 = send(api, "r1", "my first key is in use", null);
            await(api, "r1", turnEnded(t1));
            assertThat(provider.apiKeys().get(provider.apiKeys().size() - 1)).isEqualTo(KEY);
            String rotated = KEY + "-rotated";
            String t2 = send(api, "r1", "now with another key", Map.of("ANTHROPIC_API_KEY", rotated,
                    "ANTHROPIC_BASE_URL", provider.baseUrl()));
            await(api, "r1", turnEnded(t2));
            assertThat(provider.apiKeys().get(provider.apiKeys().size() - 1)).isEqualTo(rotated);
            String seen = FakeAnthropic.textOf(provider.requests().get(provider.requests().size() - 1));
            assertThat(seen).contains("my first key is in use", "now with another key");
            assertThat(api.events("r1")).filteredOn(type("session.resumed")).hasSize(1);
        }
    }

    @Test
    void aQuestionFromClaudeIsAnsweredThroughTheApi() throws Exception {
        try (RunningServer server = server()) {
            Api api = server.api();
            create(api, "q1", "default");
            String t1 = send(api, "q1", "ASK: Which database? | Postgres | SQLite", null);
            JsonNode asked = await(api, "q1", type("question.requested"));
            assertThat(asked.path("data").path("options").toString()).isEqualTo("[\"Postgres\",\"SQLite\"]");
            Api.require(api.post("/v1/sessions/q1/questions/" + asked.path("data").path("question_id").asText()
                    + "/reply", "{\"answers\":[[\"SQLite\"]]}"), 204);
            await(api, "q1", turnEnded(t1));
            JsonNode resolved = await(api, "q1", type("question.resolved"));
            assertThat(resolved.path("data").path("response").asText()).isEqualTo("SQLite");
            String seen = FakeAnthropic.textOf(provider.requests().get(provider.requests().size() - 1));
            assertThat(seen).contains("\\\"Which database?\\\"=\\\"SQLite\\\"");
        }
    }

    @Test
    void aPermissionRequestLeftOpenByAnInterruptIsClosedBeforeTheTurnEnds() throws Exception {
        try (RunningServer server = server()) {
            Api api = server.api();
            create(api, "o1", "default");
            String t1 = send(api, "o1", "RUN_BASH: echo never > never.txt", null);
            JsonNode asked = await(api, "o1", type("permission.requested"));
            Api.require(api.post("/v1/sessions/o1/interrupt", null), 202);
            await(api, "o1", turnEnded(t1));
            List<JsonNode> events = api.events("o1");
            List<String> order = events.stream().map(e -> e.path("type").asText()).toList();
            assertThat(order).containsSubsequence("permission.requested", "permission.resolved", "turn.ended");
            JsonNode closed = events.stream().filter(type("permission.resolved")).findFirst().orElseThrow();
            // Claude Code drops the request itself; the server says so, so no client keeps offering it
            assertThat(closed.path("source").asText()).isEqualTo("daemon");
            assertThat(closed.at("/data/permission_id").asText()).isEqualTo(asked.at("/data/permission_id").asText());
            assertThat(closed.at("/data/status").asText()).isEqualTo("reject");
            assertThat(closed.at("/data/metadata/reason").asText()).isEqualTo("turn_ended");
            assertThat(api.post("/v1/sessions/o1/permissions/" + asked.at("/data/permission_id").asText()
                    + "/reply", "{\"reply\":\"once\"}").status()).isEqualTo(404);
            assertThat(dir.resolve("work-o1/never.txt")).doesNotExist();
            String t2 = send(api, "o1", "still there", null);
            assertThat(await(api, "o1", turnEnded(t2)).at("/data/metadata/status").asText()).isEqualTo("completed");
        }
    }

    @Test
    void interruptEndsALongTurnAndTheSessionStaysUsable() throws Exception {
        try (RunningServer server = server()) {
            Api api = server.api();
            create(api, "i1", "default");
            String t1 = send(api, "i1", "SLOW 100", null);
            await(api, "i1", type("item.delta"));
            Api.require(api.post("/v1/sessions/i1/interrupt", null), 202);
            JsonNode end = await(api, "i1", turnEnded(t1));
            assertThat(end.path("data").path("metadata").path("status").asText()).isEqualTo("interrupted");
            String t2 = send(api, "i1", "are you still there", null);
            JsonNode next = await(api, "i1", turnEnded(t2));
            assertThat(next.path("data").path("metadata").path("status").asText()).isEqualTo("completed");
        }
    }

    @Test
    void afterKillNineTheNextMessageContinuesTheConversationAndTheKeyIsStoredNowhere() throws Exception {
        Path data = dir.resolve("data");
        Path log = dir.resolve("server.log");
        Map<String, String> env = Map.of("SANDBOX_AGENT_AGENTS_DIR", RealAgents.agentsDir().toString());
        String t1;
        String cut;
        try (ServerProcess first = ServerProcess.start(data, log, env)) {
            Api api = first.api();
            create(api, "k1", "default");
            t1 = send(api, "k1", "remember the word pelican", null);
            await(api, "k1", turnEnded(t1));
            // Killed mid-turn: Claude Code is streaming a slow reply when the server dies.
            cut = send(api, "k1", "SLOW 100", null);
            await(api, "k1", type("item.delta"));
            first.kill9();
        }
        try (ServerProcess second = ServerProcess.start(data, log, env)) {
            Api api = second.api();
            assertThat(api.session("k1").path("state").asText()).isEqualTo("interrupted");
            assertThat(await(api, "k1", turnEnded(cut)).at("/data/metadata/status").asText()).isEqualTo("interrupted");
            // The restarted server has forgotten the key: the message brings it again, as the CLI does.
            String t2 = send(api, "k1", "which word did I ask you to remember", credentials());
            JsonNode end = await(api, "k1", turnEnded(t2));
            assertThat(end.path("data").path("metadata").path("status").asText()).isEqualTo("completed");
            String seen = FakeAnthropic.textOf(provider.requests().get(provider.requests().size() - 1));
            assertThat(seen).contains("remember the word pelican", "which word did I ask you to remember");
            assertThat(api.events("k1")).filteredOn(type("session.resumed")).hasSize(1);
            String everything = api.get("/v1/sessions/k1/events?include_raw=true&limit=1000").body();
            assertThat(everything).contains("pelican").doesNotContain(KEY);
            second.terminate();
        }
        assertThat(provider.apiKeys()).contains(KEY); // it really was used
        assertThat(filesContaining(data, KEY)).isEmpty();
        assertThat(Files.readString(log, StandardCharsets.UTF_8)).doesNotContain(KEY);
        assertThat(filesContaining(data, "pelican")).isNotEmpty(); // the search itself works
    }
}
