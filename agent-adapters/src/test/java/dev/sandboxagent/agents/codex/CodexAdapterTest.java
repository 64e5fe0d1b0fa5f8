package dev.sandboxagent.agents.codex;

import static dev.sandboxagent.agents.testing.EventRecorder.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.agents.AgentContext;
import dev.sandboxagent.agents.AgentEvent;
import dev.sandboxagent.agents.AgentLaunch;
import dev.sandboxagent.agents.AgentProcess;
import dev.sandboxagent.agents.install.Installation;
import dev.sandboxagent.agents.testing.EventRecorder;
import dev.sandboxagent.agents.testing.FakeOpenAI;
import dev.sandboxagent.agents.testing.RealAgents;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Codex CLI (from npm, pinned version) as {@code codex app-server} under our PTY layer, against a fake
 * Responses API on 127.0.0.1: only the model is fake. Codex's own sandbox (bubblewrap) really runs.
 */
class CodexAdapterTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String KEY = "sk-codex-test-" + Long.toHexString(System.nanoTime());
    private static FakeOpenAI provider;
    private static Installation codex;

    @TempDir
    Path dir;
    private final List<AgentProcess> started = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        codex = RealAgents.require(CodexAdapter.ID, CodexAdapter.PACKAGE);
        provider = new FakeOpenAI();
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

    private CodexAdapter adapter(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of("PATH", System.getenv("PATH")));
        env.putAll(extra);
        // the variable stays in the environment too, as in a server's: the adapter must not pass it on
        Map<String, Path> chosen = extra.containsKey(CodexAdapter.EXECUTABLE_VARIABLE)
                ? Map.of(CodexAdapter.ID, Path.of(extra.get(CodexAdapter.EXECUTABLE_VARIABLE))) : Map.of();
        return new CodexAdapter(new AgentContext(RealAgents.agentsDir(), env, chosen));
    }

    private AgentLaunch launch(String permissionMode, String resume) throws Exception {
        Path work = Files.createDirectories(dir.resolve("work"));
        return new AgentLaunch("s1", work, dir.resolve("state"), null, permissionMode, null, resume,
                Map.of("OPENAI_BASE_URL", provider.baseUrl(), "OPENAI_API_KEY", KEY));
    }

    private AgentProcess start(CodexAdapter adapter, AgentLaunch launch, EventRecorder events) throws Exception {
        AgentProcess p = adapter.start(launch, events);
        started.add(p);
        return p;
    }

    private static AgentEvent turnEnd(EventRecorder events, int from, String turn) throws InterruptedException {
        return events.await(from, e -> e.type().equals("turn.ended")
                && e.data().path("turn_id").asText().equals(turn));
    }

    private static String status(AgentEvent turnEnded) {
        return turnEnded.data().path("metadata").path("status").asText();
    }

    @Test
    void twoTurnsStreamDeltasAndTheSecondSeesTheFirst() throws Exception {
        EventRecorder events = new EventRecorder(WAIT);
        AgentProcess p = start(adapter(Map.of()), launch("default", null), events);
        assertThat(p.nativeSessionId()).matches("[0-9a-f-]{36}");

        p.startTurn("t1", "hello there");
        AgentEvent end = turnEnd(events, 0, "t1");
        assertThat(status(end)).isEqualTo("completed");
        JsonNode usage = end.data().path("metadata").path("usage"); // the common shape (docs/api.md)
        assertThat(usage.path("input_tokens").asInt()).isPositive();
        assertThat(usage.path("output_tokens").asInt()).isPositive();
        List<AgentEvent> first = events.events();
        assertThat(first).filteredOn(type("item.delta")).hasSizeGreaterThanOrEqualTo(3);
        AgentEvent message = first.stream().filter(type("item.completed")).reduce((a, b) -> b).orElseThrow();
        String text = message.data().path("item").path("content").path(0).path("text").asText();
        assertThat(text).isEqualTo("FAKE_REPLY: you said hello there");
        String joined = first.stream().filter(type("item.delta")).map(e -> e.data().path("delta").asText())
                .reduce("", String::concat);
        assertThat(joined).isEqualTo(text);
        assertThat(first).filteredOn(type("item.started")).isNotEmpty();
        assertThat(first).allSatisfy(e -> assertThat(e.nativeSessionId()).isEqualTo(p.nativeSessionId()));

        int mark = events.size();
        p.startTurn("t2", "second question");
        assertThat(status(turnEnd(events, mark, "t2"))).isEqualTo("completed");
        assertThat(FakeOpenAI.textOf(provider.lastRequest())).contains("hello there",
                "FAKE_REPLY: you said hello there", "second question");
        assertThat(provider.authorizations()).contains("Bearer " + KEY);
        assertThat(events.types()).doesNotContain("agent.unparsed", "error");
    }

    @Test
    void aTurnTheProviderRefusesEndsWithAnErrorAndTheStatusEveryAgentUses() throws Exception {
        EventRecorder events = new EventRecorder(WAIT);
        AgentProcess p = start(adapter(Map.of()), launch("default", null), events);
        p.startTurn("t1", "FAIL_REQUEST please");
        AgentEvent end = turnEnd(events, 0, "t1");
        // Codex says "failed"; every agent's turn.ended says completed | interrupted | error.
        assertThat(status(end)).isEqualTo("error");
        assertThat(events.types()).contains("error");
        assertThat(events.types().indexOf("error")).isLessThan(events.types().indexOf("turn.ended"));
    }

    @Test
    void anApprovedCommandRunsInTheSessionDirectory() throws Exception {
        EventRecorder events = new EventRecorder(WAIT);
        AgentProcess p = start(adapter(Map.of()), launch("default", null), events);
        p.startTurn("t1", "RUN_SHELL: echo made-by-codex > made.txt");
        AgentEvent requested = events.await(0, type("permission.requested"));
        assertThat(requested.data().path("action").asText()).contains("echo made-by-codex > made.txt");
        p.replyPermission(requested.data().path("permission_id").asText(), "once");
        assertThat(status(turnEnd(events, 0, "t1"))).isEqualTo("completed");
        assertThat(dir.resolve("work/made.txt")).hasContent("made-by-codex");
        List<String> kinds = events.events().stream().filter(type("item.completed"))
                .map(e -> e.data().path("item").path("kind").asText()).toList();
        assertThat(kinds).containsSubsequence("tool_call", "tool_result", "message");
        AgentEvent result = events.await(0, e -> e.type().equals("item.completed")
                && e.data().path("item").path("kind").asText().equals("tool_result"));
        assertThat(result.data().path("item").path("status").asText()).isEqualTo("completed");
        assertThat(result.data().path("item").path("content").path(0).path("exit_code").asInt()).isZero();
        AgentEvent resolved = events.await(0, type("permission.resolved"));
        assertThat(resolved.data().path("status").asText()).isEqualTo("accept");
        assertThat(FakeOpenAI.textOf(provider.lastRequest())).contains("Process exited with code 0");
    }

    @Test
    void aRejectedCommandDoesNotRun() throws Exception {
        EventRecorder events = new EventRecorder(WAIT);
        AgentProcess p = start(adapter(Map.of()), launch("default", null), events);
        p.startTurn("t1", "RUN_SHELL: echo nope > rejected.txt");
        AgentEvent requested = events.await(0, type("permission.requested"));
        p.replyPermission(requested.data().path("permission_id").asText(), "reject");
        assertThat(status(turnEnd(events, 0, "t1"))).isEqualTo("completed");
        assertThat(dir.resolve("work/rejected.txt")).doesNotExist();
        assertThat(events.await(0, type("permission.resolved")).data().path("status").asText()).isEqualTo("reject");
        AgentEvent result = events.await(0, e -> e.type().equals("item.completed")
                && e.data().path("item").path("kind").asText().equals("tool_result"));
        assertThat(result.data().path("item").path("status").asText()).isEqualTo("failed");
        assertThat(FakeOpenAI.textOf(provider.lastRequest())).contains("rejected by user");
    }

    @Test
    void anApprovedPatchWritesTheFileAndReportsIt() throws Exception {
        EventRecorder events = new EventRecorder(WAIT);
        AgentProcess p = start(adapter(Map.of()), launch("default", null), events);
        p.startTurn("t1", "APPLY_PATCH: patched.txt");
        AgentEvent requested = events.await(0, type("permission.requested"));
        assertThat(requested.data().path("action").asText()).startsWith("file change: ").endsWith("patched.txt");
        p.replyPermission(requested.data().path("permission_id").asText(), "always");
        assertThat(status(turnEnd(events, 0, "t1"))).isEqualTo("completed");
        assertThat(dir.resolve("work/patched.txt")).hasContent("patched");
        AgentEvent result = events.await(0, e -> e.type().equals("item.completed")
                && e.data().path("item").path("kind").asText().equals("tool_result"));
        JsonNode ref = result.data().path("item").path("content").path(1);
        assertThat(ref.path("type").asText()).isEqualTo("file_ref");
        // The anchor's read | write | patch: an added file is written whole (Codex says "add").
        assertThat(ref.path("action").asText()).isEqualTo("write");
        assertThat(ref.path("path").asText()).endsWith("patched.txt");
        assertThat(events.await(0, type("permission.resolved")).data().path("status").asText())
                .isEqualTo("accept_for_session");
    }

    /** The output of the model's last request_user_input call, as the model got it in the next request. */
    private static String userInputOutput(JsonNode request) {
        String callId = null;
        String output = null;
        for (JsonNode item : request.path("input")) {
            if (item.path("type").asText().equals("function_call")
                    && item.path("name").asText().equals("request_user_input")) {
                callId = item.path("call_id").asText();
            } else if (item.path("type").asText().equals("function_call_output") && callId != null
                    && item.path("call_id").asText().equals(callId)) {
                output = item.path("output").asText();
            }
        }
        return output;
    }

    @Test
    void theModelsQuestionIsAskedAndTheAnswerReachesTheModel() throws Exception {
        EventRecorder events = new EventRecorder(WAIT);
        AgentProcess p = start(adapter(Map.of()), launch("default", null), events);
        p.startTurn("t1", "ASK: Which color? | Blue | Red");
        AgentEvent requested = events.await(0, type("question.requested"));
        JsonNode asked = requested.data();
        assertThat(asked.path("prompt").asText()).isEqualTo("Which color?");
        assertThat(asked.path("options").toString()).isEqualTo("[\"Blue\",\"Red\"]");
        assertThat(asked.path("status").asText()).isEqualTo("requested");
        assertThat(asked.path("questions").path(0).path("header").asText()).isEqualTo("Question");
        assertThat(requested.nativeSessionId()).isEqualTo(p.nativeSessionId());

        p.replyQuestion(asked.path("question_id").asText(), List.of(List.of("Blue")));
        assertThat(status(turnEnd(events, 0, "t1"))).isEqualTo("completed");
        AgentEvent resolved = events.await(0, type("question.resolved"));
        assertThat(resolved.data().path("question_id").asText()).isEqualTo(asked.path("question_id").asText());
        assertThat(resolved.data().path("status").asText()).isEqualTo("answered");
        assertThat(resolved.data().path("response").asText()).isEqualTo("Blue");
        String output = userInputOutput(provider.lastRequest());
        assertThat(output).isEqualTo("{\"answers\":{\"choice\":{\"answers\":[\"Blue\"]}}}");
        AgentEvent reply = events.events().stream().filter(type("item.completed")).reduce((a, b) -> b).orElseThrow();
        assertThat(reply.data().path("item").path("content").path(0).path("text").asText())
                .isEqualTo("FAKE_DONE: tool said: " + output);
        // the feature that lets Codex ask outside Plan mode warns about itself unless told not to
        assertThat(events.types()).doesNotContain("agent.unparsed", "error");
        assertThat(events.events()).noneMatch(e -> e.data().path("item").path("kind").asText().equals("status"));
    }

    @Test
    void aRejectedQuestionGivesTheModelNoAnswers() throws Exception {
        EventRecorder events = new EventRecorder(WAIT);
        AgentProcess p = start(adapter(Map.of()), launch("default", null), events);
        p.startTurn("t1", "ASK: Deploy now? | Yes | No");
        AgentEvent requested = events.await(0, type("question.requested"));
        p.rejectQuestion(requested.data().path("question_id").asText());
        assertThat(status(turnEnd(events, 0, "t1"))).isEqualTo("completed");
        AgentEvent resolved = events.await(0, type("question.resolved"));
        assertThat(resolved.data().path("status").asText()).isEqualTo("rejected");
        assertThat(resolved.data().path("response").isNull()).isTrue();
        // Codex's "the user gave no answers"; its instructions tell the model to go on with its best judgment.
        assertThat(userInputOutput(provider.lastRequest())).isEqualTo("{\"answers\":{}}");
        p.replyQuestion(requested.data().path("question_id").asText(), List.of(List.of("Yes"))); // too late: ignored
        assertThat(events.events()).filteredOn(type("question.resolved")).hasSize(1);
    }

    @Test
    void anInterruptWhileAQuestionWaitsEndsTheTurnAndTheNextTurnWorks() throws Exception {
        EventRecorder events = new EventRecorder(WAIT);
        AgentProcess p = start(adapter(Map.of()), launch("default", null), events);
        p.startTurn("t1", "ASK: Which color? | Blue | Red");
        AgentEvent requested = events.await(0, type("question.requested"));
        p.interrupt();
        assertThat(status(turnEnd(events, 0, "t1"))).isEqualTo("interrupted");
        int mark = events.size();
        p.replyQuestion(requested.data().path("question_id").asText(), List.of(List.of("Blue"))); // its turn is over
        p.startTurn("t2", "still there?");
        assertThat(status(turnEnd(events, mark, "t2"))).isEqualTo("completed");
        assertThat(events.types()).doesNotContain("question.resolved", "agent.unparsed");
    }

    @Test
    void bypassModeRunsCommandsWithoutAsking() throws Exception {
        EventRecorder events = new EventRecorder(WAIT);
        AgentProcess p = start(adapter(Map.of()), launch("bypass", null), events);
        p.startTurn("t1", "RUN_SHELL: echo bypassed > bypass.txt");
        assertThat(status(turnEnd(events, 0, "t1"))).isEqualTo("completed");
        assertThat(dir.resolve("work/bypass.txt")).hasContent("bypassed");
        assertThat(events.types()).doesNotContain("permission.requested");
    }

    @Test
    void acceptEditsRunsWorkspaceCommandsInTheSandboxWithoutAsking() throws Exception {
        EventRecorder events = new EventRecorder(WAIT);
        AgentProcess p = start(adapter(Map.of()), launch("acceptEdits", null), events);
        p.startTurn("t1", "RUN_SHELL: echo edited > edit.txt");
        assertThat(status(turnEnd(events, 0, "t1"))).isEqualTo("completed");
        assertThat(dir.resolve("work/edit.txt")).hasContent("edited");
        assertThat(events.types()).doesNotContain("permission.requested");
    }

    @Test
    void planModeIsReadOnly() throws Exception {
        EventRecorder events = new EventRecorder(WAIT);
        AgentProcess p = start(adapter(Map.of()), launch("plan", null), events);
        p.startTurn("t1", "RUN_SHELL: echo planned > plan.txt");
        assertThat(status(turnEnd(events, 0, "t1"))).isEqualTo("completed");
        assertThat(dir.resolve("work/plan.txt")).doesNotExist();
        assertThat(FakeOpenAI.textOf(provider.lastRequest())).contains("Read-only file system");
    }

    @Test
    void interruptEndsTheTurnAndTheNextTurnWorks() throws Exception {
        EventRecorder events = new EventRecorder(WAIT);
        AgentProcess p = start(adapter(Map.of()), launch("default", null), events);
        // 1,000 deltas 300 ms apart: 300 s of stream, far past WAIT, so only an interrupt that cuts the stream short
        // ends the turn in time. No stopwatch: a 10 s bound on a stream of 30 s could fail on a loaded machine.
        p.startTurn("t1", "SLOW 1000");
        events.await(0, type("item.delta"));
        p.interrupt();
        AgentEvent end = turnEnd(events, 0, "t1");
        assertThat(status(end)).isEqualTo("interrupted");
        int mark = events.size();
        p.startTurn("t2", "still there?");
        assertThat(status(turnEnd(events, mark, "t2"))).isEqualTo("completed");
        assertThat(p.isAlive()).isTrue();
    }

    @Test
    void aNewProcessResumesTheThread() throws Exception {
        EventRecorder events = new EventRecorder(WAIT);
        CodexAdapter adapter = adapter(Map.of());
        AgentProcess p = start(adapter, launch("default", null), events);
        p.startTurn("t1", "remember the word pelican");
        turnEnd(events, 0, "t1");
        String threadId = p.nativeSessionId();
        p.terminate(Duration.ofSeconds(5));

        EventRecorder again = new EventRecorder(WAIT);
        AgentProcess resumed = start(adapter, launch("default", threadId), again);
        assertThat(resumed.nativeSessionId()).isEqualTo(threadId);
        resumed.startTurn("t2", "which word?");
        assertThat(status(turnEnd(again, 0, "t2"))).isEqualTo("completed");
        assertThat(FakeOpenAI.textOf(provider.lastRequest())).contains("remember the word pelican",
                "FAKE_REPLY: you said remember the word pelican", "which word?");
    }

    @Test
    void aGarbledOutputLineBecomesUnparsedAndTheSessionCarriesOn() throws Exception {
        // The real CLI, behind a wrapper that writes two lines no adapter can read before it hands over.
        Path wrapper = dir.resolve("codex-garbled");
        Files.writeString(wrapper, "#!/bin/sh\nprintf '%s\\n' '{\"method\":\"item/started\",' "
                + "'garbage \u00e9 from the agent'\nexec \"" + codex.executable() + "\" \"$@\"\n",
                StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
        EventRecorder events = new EventRecorder(WAIT);
        AgentProcess p = start(adapter(Map.of(CodexAdapter.EXECUTABLE_VARIABLE, wrapper.toString())),
                launch("default", null), events);
        p.startTurn("t1", "hello");
        assertThat(status(turnEnd(events, 0, "t1"))).isEqualTo("completed");
        List<AgentEvent> unparsed = events.events().stream().filter(type("agent.unparsed")).toList();
        assertThat(unparsed).hasSize(2);
        assertThat(unparsed.get(0).data().path("error").asText()).contains("malformed JSON");
        assertThat(unparsed.get(1).raw().asText()).isEqualTo("garbage \u00e9 from the agent");
        assertThat(events.types()).contains("item.completed");
    }

    @Test
    void theApiKeyIsInNoFileOfTheStateDirectory() throws Exception {
        EventRecorder events = new EventRecorder(WAIT);
        AgentProcess p = start(adapter(Map.of()), launch("default", null), events);
        p.startTurn("t1", "RUN_SHELL: echo checking");
        AgentEvent requested = events.await(0, type("permission.requested"));
        p.replyPermission(requested.data().path("permission_id").asText(), "once");
        turnEnd(events, 0, "t1");
        p.terminate(Duration.ofSeconds(5));

        Path state = dir.resolve("state");
        String config = Files.readString(state.resolve("codex-home/config.toml"));
        assertThat(config).contains("base_url = \"" + provider.baseUrl() + "\"", "env_key = \"OPENAI_API_KEY\"");
        byte[] key = KEY.getBytes(StandardCharsets.UTF_8);
        List<Path> files = new ArrayList<>();
        try (Stream<Path> all = Files.walk(state)) {
            all.filter(Files::isRegularFile).forEach(files::add);
        }
        assertThat(files).anyMatch(f -> f.getFileName().toString().startsWith("rollout-"));
        for (Path file : files) {
            assertThat(contains(Files.readAllBytes(file), key)).as("the key in %s", file).isFalse();
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
