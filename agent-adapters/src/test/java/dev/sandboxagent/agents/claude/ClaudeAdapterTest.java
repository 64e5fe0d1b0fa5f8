package dev.sandboxagent.agents.claude;

import static dev.sandboxagent.agents.testing.EventRecorder.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.agents.AgentContext;
import dev.sandboxagent.agents.AgentEvent;
import dev.sandboxagent.agents.AgentLaunch;
import dev.sandboxagent.agents.AgentProcess;
import dev.sandboxagent.agents.install.Installation;
import dev.sandboxagent.agents.testing.EventRecorder;
import dev.sandboxagent.agents.testing.FakeAnthropic;
import dev.sandboxagent.agents.testing.RealAgents;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Claude Code CLI (from npm, pinned version) under our PTY layer, against a fake Anthropic API on
 * 127.0.0.1: only the model is fake.
 */
class ClaudeAdapterTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String KEY = "sk-ant-test-" + Long.toHexString(System.nanoTime());
    private static FakeAnthropic provider;
    private static Installation claude;

    @TempDir
    Path dir;
    private final List<AgentProcess> started = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        claude = RealAgents.require(ClaudeAdapter.ID, ClaudeAdapter.PACKAGE);
        provider = new FakeAnthropic();
    }

    @AfterAll
    static void tearDown() {
        if (provider != null) {
            provider.close();
        }
    }

    @AfterEach
    void stopAll() {
        started.forEach(p -> p.terminate(Duration.ofSeconds(2)));
    }

    private ClaudeAdapter adapter(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of("PATH", System.getenv("PATH")));
        env.putAll(extra);
        // the variable stays in the environment too, as in a server's: the adapter must not pass it on
        Map<String, Path> chosen = extra.containsKey(ClaudeAdapter.EXECUTABLE_VARIABLE)
                ? Map.of(ClaudeAdapter.ID, Path.of(extra.get(ClaudeAdapter.EXECUTABLE_VARIABLE))) : Map.of();
        return new ClaudeAdapter(new AgentContext(RealAgents.agentsDir(), env, chosen));
    }

    private AgentLaunch launch(String permissionMode, String resume) throws Exception {
        Path work = Files.createDirectories(dir.resolve("work"));
        return new AgentLaunch("s1", work, dir.resolve("state"), null, permissionMode, null, resume,
                Map.of("ANTHROPIC_BASE_URL", provider.baseUrl(), "ANTHROPIC_API_KEY", KEY,
                        "CLAUDE_CODE_MAX_RETRIES", "0"));
    }

    private AgentProcess start(ClaudeAdapter adapter, AgentLaunch launch, EventRecorder events) throws Exception {
        AgentProcess p = adapter.start(launch, events);
        started.add(p);
        return p;
    }

    private static AgentEvent turnEnd(EventRecorder events, int from, String turn) throws InterruptedException {
        return events.await(from, e -> e.type().equals("turn.ended")
                && e.data().path("turn_id").asText().equals(turn));
    }

    @Test
    void twoTurnsStreamDeltasAndTheSecondSeesTheFirst() throws Exception {
        EventRecorder events = new EventRecorder(WAIT);
        AgentProcess p = start(adapter(Map.of()), launch("default", null), events);
        assertThat(p.nativeSessionId()).matches("[0-9a-f-]{36}");

        p.startTurn("t1", "hello there");
        AgentEvent end = turnEnd(events, 0, "t1");
        assertThat(end.data().path("metadata").path("status").asText()).isEqualTo("completed");
        List<AgentEvent> first = events.events();
        assertThat(first).filteredOn(type("item.delta")).hasSizeGreaterThanOrEqualTo(3);
        AgentEvent message = first.stream().filter(type("item.completed")).reduce((a, b) -> b).orElseThrow();
        String text = message.data().path("item").path("content").path(0).path("text").asText();
        assertThat(text).isEqualTo("FAKE_REPLY: you said hello there");
        String joined = first.stream().filter(type("item.delta")).map(e -> e.data().path("delta").asText())
                .reduce("", String::concat);
        assertThat(joined).isEqualTo(text);
        assertThat(first).allSatisfy(e -> assertThat(e.nativeSessionId()).isEqualTo(p.nativeSessionId()));

        int mark = events.size();
        p.startTurn("t2", "second question");
        turnEnd(events, mark, "t2");
        JsonNode last = provider.requests().get(provider.requests().size() - 1);
        assertThat(FakeAnthropic.textOf(last)).contains("hello there", "FAKE_REPLY: you said hello there",
                "second question");
        assertThat(provider.apiKeys()).contains(KEY);
    }

    @Test
    void aPermissionRequestRepliedOnceRunsTheToolInTheSessionDirectory() throws Exception {
        EventRecorder events = new EventRecorder(WAIT);
        AgentProcess p = start(adapter(Map.of()), launch("default", null), events);
        p.startTurn("t1", "RUN_BASH: echo made-by-claude > made.txt");
        AgentEvent requested = events.await(0, type("permission.requested"));
        assertThat(requested.data().path("action").asText()).contains("echo made-by-claude > made.txt");
        p.replyPermission(requested.data().path("permission_id").asText(), "once");
        turnEnd(events, 0, "t1");
        assertThat(dir.resolve("work/made.txt")).hasContent("made-by-claude");
        List<String> kinds = events.events().stream().filter(type("item.completed"))
                .map(e -> e.data().path("item").path("kind").asText()).toList();
        assertThat(kinds).containsSubsequence("tool_call", "tool_result", "message");
        AgentEvent resolved = events.await(0, type("permission.resolved"));
        assertThat(resolved.data().path("status").asText()).isEqualTo("accept");
    }

    @Test
    void aRejectedPermissionStopsTheTool() throws Exception {
        EventRecorder events = new EventRecorder(WAIT);
        AgentProcess p = start(adapter(Map.of()), launch("default", null), events);
        p.startTurn("t1", "RUN_BASH: echo nope > rejected.txt");
        AgentEvent requested = events.await(0, type("permission.requested"));
        p.replyPermission(requested.data().path("permission_id").asText(), "reject");
        turnEnd(events, 0, "t1");
        assertThat(dir.resolve("work/rejected.txt")).doesNotExist();
        assertThat(events.await(0, type("permission.resolved")).data().path("status").asText()).isEqualTo("reject");
        AgentEvent result = events.await(0, e -> e.type().equals("item.completed")
                && e.data().path("item").path("kind").asText().equals("tool_result"));
        assertThat(result.data().path("item").path("status").asText()).isEqualTo("failed");
    }

    @Test
    void askUserQuestionBecomesAQuestionWhoseAnswerOrRejectionReachesTheModel() throws Exception {
        EventRecorder events = new EventRecorder(WAIT);
        AgentProcess p = start(adapter(Map.of()), launch("default", null), events);
        p.startTurn("t1", "ASK: Which colour? | Blue | Red");
        AgentEvent asked = events.await(0, type("question.requested"));
        assertThat(asked.data().path("prompt").asText()).isEqualTo("Which colour?");
        assertThat(asked.data().path("options").toString()).isEqualTo("[\"Blue\",\"Red\"]");
        p.replyQuestion(asked.data().path("question_id").asText(), List.of(List.of("Blue")));
        turnEnd(events, 0, "t1");
        AgentEvent resolved = events.await(0, type("question.resolved"));
        assertThat(resolved.data().path("status").asText()).isEqualTo("answered");
        assertThat(resolved.data().path("response").asText()).isEqualTo("Blue");
        assertThat(lastReply(events)).contains("\"Which colour?\"=\"Blue\"");

        int mark = events.size();
        p.startTurn("t2", "ASK: Which size? | Small | Large");
        AgentEvent second = events.await(mark, type("question.requested"));
        p.rejectQuestion(second.data().path("question_id").asText());
        turnEnd(events, mark, "t2");
        assertThat(events.await(mark, type("question.resolved")).data().path("status").asText())
                .isEqualTo("rejected");
        assertThat(lastReply(events)).contains("declined to answer");
    }

    private static String lastReply(EventRecorder events) {
        return events.events().stream().filter(type("item.completed"))
                .filter(e -> e.data().path("item").path("role").asText().equals("assistant"))
                .reduce((a, b) -> b).orElseThrow().data().path("item").path("content").path(0).path("text").asText();
    }

    @Test
    void bypassModeRunsToolsWithoutAskingEvenAsRoot() throws Exception {
        EventRecorder events = new EventRecorder(WAIT);
        AgentProcess p = start(adapter(Map.of()), launch("bypass", null), events);
        p.startTurn("t1", "RUN_BASH: echo bypassed > bypass.txt");
        turnEnd(events, 0, "t1");
        assertThat(dir.resolve("work/bypass.txt")).hasContent("bypassed");
        assertThat(events.types()).doesNotContain("permission.requested");
    }

    @Test
    void interruptEndsTheTurnAndTheNextTurnWorks() throws Exception {
        EventRecorder events = new EventRecorder(WAIT);
        AgentProcess p = start(adapter(Map.of()), launch("default", null), events);
        p.startTurn("t1", "SLOW 100");
        events.await(0, type("item.delta"));
        p.interrupt();
        AgentEvent end = turnEnd(events, 0, "t1");
        assertThat(end.data().path("metadata").path("status").asText()).isEqualTo("interrupted");
        int mark = events.size();
        p.startTurn("t2", "still there?");
        AgentEvent second = turnEnd(events, mark, "t2");
        assertThat(second.data().path("metadata").path("status").asText()).isEqualTo("completed");
        assertThat(p.isAlive()).isTrue();
    }

    @Test
    void aNewProcessResumesTheConversation() throws Exception {
        EventRecorder events = new EventRecorder(WAIT);
        ClaudeAdapter adapter = adapter(Map.of());
        AgentProcess p = start(adapter, launch("default", null), events);
        p.startTurn("t1", "remember the word pelican");
        turnEnd(events, 0, "t1");
        String nativeId = p.nativeSessionId();
        p.terminate(Duration.ofSeconds(5));

        EventRecorder again = new EventRecorder(WAIT);
        AgentProcess resumed = start(adapter, launch("default", nativeId), again);
        assertThat(resumed.nativeSessionId()).isEqualTo(nativeId);
        resumed.startTurn("t2", "which word?");
        turnEnd(again, 0, "t2");
        JsonNode last = provider.requests().get(provider.requests().size() - 1);
        assertThat(FakeAnthropic.textOf(last)).contains("remember the word pelican", "which word?");
    }

    @Test
    void aGarbledOutputLineBecomesUnparsedAndTheSessionCarriesOn() throws Exception {
        // The real CLI, behind a wrapper that writes two lines no adapter can read before it hands over.
        Path wrapper = dir.resolve("claude-garbled");
        Files.writeString(wrapper, "#!/bin/sh\nprintf '%s\\n' '{\"type\":\"assistant\",\"message\":' "
                + "'garbage \u00e9 from the agent'\nexec \"" + claude.executable() + "\" \"$@\"\n",
                StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
        EventRecorder events = new EventRecorder(WAIT);
        AgentProcess p = start(adapter(Map.of(ClaudeAdapter.EXECUTABLE_VARIABLE, wrapper.toString())),
                launch("default", null), events);
        p.startTurn("t1", "hello");
        turnEnd(events, 0, "t1");
        List<AgentEvent> unparsed = events.events().stream().filter(type("agent.unparsed")).toList();
        assertThat(unparsed).hasSize(2);
        assertThat(unparsed.get(0).data().path("error").asText()).contains("malformed JSON");
        assertThat(unparsed.get(1).raw().asText()).isEqualTo("garbage \u00e9 from the agent");
        assertThat(events.types()).contains("item.completed");
    }
}
