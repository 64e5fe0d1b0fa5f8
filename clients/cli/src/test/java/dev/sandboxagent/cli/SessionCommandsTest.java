package dev.sandboxagent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandboxagent.cli.support.Cli;
import dev.sandboxagent.cli.support.Cli.Result;
import dev.sandboxagent.cli.support.Eventually;
import dev.sandboxagent.cli.support.TestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A user's session through the CLI, in-process, against a real server running the mock agent. */
class SessionCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;
    @TempDir
    Path home;
    TestServer server;
    Cli cli;

    @BeforeEach
    void start() {
        server = TestServer.start(dataDir);
        cli = server.cli(home);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void createSendWaitAndReadEventsAsText() {
        Result created = ok(cli.run("api", "sessions", "create", "my-session", "--agent", "mock", "--title", "demo"));
        assertThat(created.out()).isEqualTo("created session my-session (agent mock)\n");

        Result turn = ok(cli.run("api", "sessions", "send-message", "my-session", "--message",
                "Summarize this repository", "--wait"));
        List<String> lines = turn.outLines();
        assertThat(lines.get(0)).matches("#\\d+ turn\\.started +turn_\\S+");
        assertThat(lines).anyMatch(l -> l.matches("#\\d+ item\\.completed +user: Summarize this repository"));
        assertThat(lines).anyMatch(l -> l.matches(
                "#\\d+ item\\.completed +assistant: mock: you said Summarize this repository"));
        assertThat(lines.get(lines.size() - 1)).matches("#\\d+ turn\\.ended +turn_\\S+ completed");

        Result events = ok(cli.run("api", "sessions", "events", "my-session"));
        assertThat(events.outLines().get(0)).startsWith("#1 session.started").contains("agent=mock");
        assertThat(events.outLines()).containsAll(lines); // the transcript holds exactly what --wait showed

        Result limited = cli.run("api", "sessions", "events", "my-session", "--offset", "1", "--limit", "2");
        assertThat(limited.exitCode()).isZero();
        assertThat(limited.outLines()).hasSize(2);
        assertThat(limited.outLines().get(0)).startsWith("#2 ");
        assertThat(limited.err()).isEqualTo("(more events follow: --offset 3)\n");
    }

    @Test
    void sendMessageWithoutWaitPrintsTheTurnIdAtOnce() {
        ok(cli.run("api", "sessions", "create", "s", "--agent", "mock"));
        Result sent = ok(cli.run("api", "sessions", "send-message", "s", "--message", "echo hi"));
        assertThat(sent.out()).matches("turn turn_\\S+ started\n");
        String turnId = sent.out().split(" ")[1];
        Eventually.await(() -> cli.run("api", "sessions", "events", "s").out(),
                out -> out.matches("(?s).*turn\\.ended +" + turnId + " completed.*"), WAIT, "the turn's end");
    }

    @Test
    void listGetTerminateAndDeleteAsText() {
        ok(cli.run("api", "sessions", "create", "one", "--agent", "mock", "--title", "first one"));
        ok(cli.run("api", "sessions", "create", "two", "--agent", "mock"));

        List<String> table = ok(cli.run("api", "sessions", "list")).outLines();
        assertThat(table.get(0)).matches("ID +AGENT +STATE +TURN +EVENTS +UPDATED +TITLE");
        assertThat(table).hasSize(3);
        assertThat(table).anyMatch(l -> l.matches("one +mock +active +idle +\\d+ +(just now|\\d+s ago) +first one"));
        assertThat(table).anyMatch(l -> l.matches("two +mock +active +idle +\\d+ +(just now|\\d+s ago) +-"));

        Result got = ok(cli.run("api", "sessions", "get", "one"));
        assertThat(got.outLines()).contains("session      one", "agent        mock", "state        active",
                "turn         idle", "title        first one");

        assertThat(ok(cli.run("api", "sessions", "terminate", "one")).out()).isEqualTo("terminated session one\n");
        assertThat(ok(cli.run("api", "sessions", "get", "one")).outLines()).contains("state        ended");
        assertThat(ok(cli.run("api", "sessions", "events", "one")).outLines())
                .last().asString().matches("#\\d+ session\\.ended +terminated by daemon \\(exit code \\d+\\)");

        assertThat(ok(cli.run("api", "sessions", "delete", "one")).out()).isEqualTo("deleted session one\n");
        assertThat(ok(cli.run("api", "sessions", "delete", "two")).out()).isEqualTo("deleted session two\n");
        assertThat(ok(cli.run("api", "sessions", "list")).out()).isEqualTo("no sessions\n");
    }

    @Test
    void jsonOutputIsTheServersJson() throws Exception {
        JsonNode created = JSON.readTree(ok(cli.run("api", "sessions", "create", "j", "--agent", "mock", "--json"))
                .out());
        assertThat(created.get("healthy").asBoolean()).isTrue();
        assertThat(created.at("/session/sessionId").asText()).isEqualTo("j");
        assertThat(created.at("/session/state").asText()).isEqualTo("active");

        JsonNode sent = JSON.readTree(ok(cli.run("api", "sessions", "send-message", "j", "-m", "echo json", "--json"))
                .out());
        String turnId = sent.get("turnId").asText();
        assertThat(turnId).startsWith("turn_");

        Eventually.await(() -> cli.run("api", "sessions", "get", "j", "--json").out(),
                out -> out.contains("\"runningTurnId\" : null"), WAIT, "an idle session");
        List<JsonNode> events = ok(cli.run("api", "sessions", "events", "j", "--json")).outLines().stream()
                .map(SessionCommandsTest::parse).toList();
        assertThat(events).extracting(e -> e.get("sequence").asLong())
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, events.size()).boxed().toList());
        assertThat(events).anySatisfy(e -> {
            assertThat(e.get("type").asText()).isEqualTo("item.completed");
            assertThat(e.at("/data/item/content/0/text").asText()).isEqualTo("json");
        });
        assertThat(events.get(events.size() - 1).at("/data/turn_id").asText()).isEqualTo(turnId);

        JsonNode list = JSON.readTree(ok(cli.run("api", "sessions", "list", "--json")).out());
        assertThat(list.get("sessions")).singleElement()
                .satisfies(s -> assertThat(s.get("sessionId").asText()).isEqualTo("j"));
        JsonNode agents = JSON.readTree(ok(cli.run("api", "agents", "list", "--json")).out());
        assertThat(agents.get("agents")).anySatisfy(a -> assertThat(a.get("id").asText()).isEqualTo("mock"));
        // the capabilities in the server's (the anchor's declaration) order, the same on every run
        List<String> capabilities = new ArrayList<>();
        agents.at("/agents/0/capabilities").fieldNames().forEachRemaining(capabilities::add);
        assertThat(capabilities).containsExactly("planMode", "permissions", "questions", "toolCalls", "toolResults",
                "textMessages", "images", "fileAttachments", "sessionLifecycle", "errorEvents", "reasoning", "status",
                "commandExecution", "fileChanges", "mcpTools", "streamingDeltas", "itemStarted", "sharedProcess");

        // a 204 answer has no JSON: nothing on stdout, and the exit code says it worked
        assertThat(ok(cli.run("api", "sessions", "terminate", "j", "--json")).out()).isEmpty();
    }

    @Test
    void permissionAndQuestionIdsAreShownAndTheRepliesWork() {
        ok(cli.run("api", "sessions", "create", "pq", "--agent", "mock"));
        ok(cli.run("api", "sessions", "send-message", "pq", "--message", "permission write_file\nquestion continue?"));

        String permissionLine = awaitLine("pq", "permission.requested");
        Matcher permission = Pattern.compile("permission\\.requested +(\\S+) write_file .*"
                + "reply-permission pq (\\S+) --reply once\\|always\\|reject").matcher(permissionLine);
        assertThat(permission.find()).as(permissionLine).isTrue();
        String permissionId = permission.group(1);
        assertThat(permission.group(2)).isEqualTo(permissionId);
        assertThat(ok(cli.run("api", "sessions", "reply-permission", "pq", permissionId, "--reply", "once")).out())
                .isEqualTo("replied once to permission " + permissionId + "\n");
        assertThat(awaitLine("pq", "permission.resolved")).endsWith(permissionId + " accept");

        String questionLine = awaitLine("pq", "question.requested");
        Matcher question = Pattern.compile("question\\.requested +(\\S+) \"continue\\?\"").matcher(questionLine);
        assertThat(question.find()).as(questionLine).isTrue();
        String questionId = question.group(1);
        assertThat(questionLine).contains("reply-question pq " + questionId + " --answer TEXT | --reject");
        assertThat(ok(cli.run("api", "sessions", "reply-question", "pq", questionId, "--answer", "yes")).out())
                .isEqualTo("answered question " + questionId + "\n");
        assertThat(awaitLine("pq", "question.resolved")).contains(questionId + " answered");
        awaitLine("pq", "turn.ended");
    }

    @Test
    void interruptEndsTheRunningTurn() {
        ok(cli.run("api", "sessions", "create", "int", "--agent", "mock"));
        String turnId = ok(cli.run("api", "sessions", "send-message", "int", "--message", "sleep 30")).out()
                .split(" ")[1];
        Eventually.await(() -> cli.run("api", "sessions", "get", "int").out(),
                out -> out.contains("turn         " + turnId + " running"), WAIT, "a running turn");
        assertThat(ok(cli.run("api", "sessions", "interrupt", "int")).out())
                .isEqualTo("interrupted turn " + turnId + "\n");
        assertThat(awaitLine("int", "turn.ended")).endsWith(turnId + " interrupted");
    }

    @Test
    void waitingOnATurnThatFailsExitsOne() {
        ok(cli.run("api", "sessions", "create", "dies", "--agent", "mock"));
        Result result = cli.run("api", "sessions", "send-message", "dies", "--message", "stderr boom\nexit 3",
                "--wait");
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).startsWith("error: ").contains("turn_").endsWith("\n");
        assertThat(result.err().lines()).hasSize(1);
        List<String> events = ok(cli.run("api", "sessions", "events", "dies")).outLines();
        assertThat(String.join("\n", events)).containsPattern("session\\.ended +error by agent \\(exit code 3\\)")
                .contains("stderr: boom");
    }

    @Test
    void followPrintsLiveEventsAndStopsWhenTheSessionEnds() throws Exception {
        ok(cli.run("api", "sessions", "create", "f", "--agent", "mock"));
        CompletableFuture<Result> follow = CompletableFuture.supplyAsync(
                () -> cli.run("api", "sessions", "events", "f", "--follow"));
        ok(cli.run("api", "sessions", "send-message", "f", "--message", "echo live", "--wait"));
        ok(cli.run("api", "sessions", "terminate", "f"));
        Result followed = follow.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(followed.exitCode()).as(followed.toString()).isZero();
        assertThat(followed.outLines()).anyMatch(l -> l.matches("#\\d+ item\\.completed +assistant: live"));
        assertThat(followed.outLines()).last().asString().contains("session.ended");
        // an ended session is not followed forever: its events print and the command returns
        assertThat(ok(cli.run("api", "sessions", "events", "f", "--follow")).outLines()).isEqualTo(
                followed.outLines());
    }

    @Test
    void agentsListShowsTheMockAgent() {
        List<String> table = ok(cli.run("api", "agents", "list")).outLines();
        assertThat(table.get(0)).matches("ID +NAME +INSTALLED +VERSION +CREDENTIALS");
        assertThat(table).anyMatch(l -> l.startsWith("mock ") && l.contains(" yes "));
    }

    @Test
    void agentModesAndModelsAreListedAsTheServerAdvertisesThem() throws Exception {
        List<String> modes = ok(cli.run("api", "agents", "modes", "mock")).outLines();
        assertThat(modes.get(0)).matches("ID +NAME +DESCRIPTION");
        assertThat(modes.subList(1, modes.size())).singleElement().asString().startsWith("build ").contains("Build");
        List<String> models = ok(cli.run("api", "agents", "models", "mock")).outLines();
        assertThat(models).containsExactly("ID    DEFAULT", "mock  yes");

        JsonNode modesJson = JSON.readTree(ok(cli.run("api", "agents", "modes", "mock", "--json")).out());
        assertThat(modesJson.at("/modes/0/id").asText()).isEqualTo("build");
        JsonNode modelsJson = JSON.readTree(ok(cli.run("api", "agents", "models", "mock", "--json")).out());
        assertThat(modelsJson.at("/models/0/id").asText()).isEqualTo("mock");
        assertThat(modelsJson.at("/defaultModel").asText()).isEqualTo("mock");
        // an agent the server does not know is the server's 400, said once
        Result unknown = cli.run("api", "agents", "models", "nosuchagent");
        assertThat(unknown.exitCode()).as(unknown.toString()).isEqualTo(1);
        assertThat(unknown.err()).contains("nosuchagent").contains("(400)");
    }

    private String awaitLine(String sessionId, String type) {
        String out = Eventually.await(() -> cli.run("api", "sessions", "events", sessionId).out(),
                text -> text.contains(" " + type + " "), WAIT, type);
        return out.lines().filter(l -> l.contains(" " + type + " ")).findFirst().orElseThrow();
    }

    private static Result ok(Result result) {
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.err()).as(result.toString()).isEmpty();
        return result;
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }
}
