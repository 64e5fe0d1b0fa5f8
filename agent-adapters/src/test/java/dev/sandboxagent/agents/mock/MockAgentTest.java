package dev.sandboxagent.agents.mock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.agents.AgentEvent;
import dev.sandboxagent.agents.AgentExit;
import dev.sandboxagent.agents.AgentLaunch;
import dev.sandboxagent.agents.AgentListener;
import dev.sandboxagent.agents.AgentProcess;
import dev.sandboxagent.agents.AgentStartException;
import dev.sandboxagent.agents.TerminalAgentProcess;
import dev.sandboxagent.agents.TerminalLaunch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mock agent, a real bash process under a real PTY, driven through its adapter. */
class MockAgentTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    private final List<AgentProcess> started = new CopyOnWriteArrayList<>();

    /** Collects what the agent reports and lets a test wait for it. */
    static final class Recorder implements AgentListener {
        final List<AgentEvent> events = new ArrayList<>();
        final CompletableFuture<AgentExit> exit = new CompletableFuture<>();
        final AtomicInteger exits = new AtomicInteger();
        volatile int eventsAtExit = -1;

        @Override
        public synchronized void onEvent(AgentEvent event) {
            events.add(event);
            notifyAll();
        }

        @Override
        public synchronized void onExit(AgentExit exit) {
            exits.incrementAndGet();
            eventsAtExit = events.size();
            this.exit.complete(exit);
        }

        synchronized AgentEvent await(Predicate<AgentEvent> condition) throws InterruptedException {
            return await(0, condition);
        }

        /** The first event from index {@code from} on that matches. */
        synchronized AgentEvent await(int from, Predicate<AgentEvent> condition) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            int checked = from;
            while (true) {
                for (; checked < events.size(); checked++) {
                    if (condition.test(events.get(checked))) {
                        return events.get(checked);
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("not seen; got " + types());
                }
                wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }

        AgentEvent awaitTurnEnd(String turnId) throws InterruptedException {
            return await(e -> e.type().equals("turn.ended") && e.data().path("turn_id").asText().equals(turnId));
        }

        AgentEvent awaitText(String text) throws InterruptedException {
            return await(e -> e.type().equals("item.completed") && text(e).equals(text));
        }

        synchronized List<String> types() {
            return events.stream().map(AgentEvent::type).toList();
        }

        synchronized List<AgentEvent> snapshot() {
            return List.copyOf(events);
        }

        synchronized int size() {
            return events.size();
        }
    }

    private AgentProcess start(Recorder recorder) throws Exception {
        return start(recorder, null, "default", dir.resolve("state"));
    }

    private AgentProcess start(Recorder recorder, String resume, String permissionMode, Path stateDir)
            throws Exception {
        AgentLaunch launch = new AgentLaunch("s", dir, stateDir, "build", permissionMode, null, resume,
                Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin")));
        AgentProcess process = new MockAdapter().start(launch, recorder);
        started.add(process);
        return process;
    }

    @AfterEach
    void stopAll() {
        started.forEach(p -> p.terminate(Duration.ofSeconds(2)));
    }

    static String text(AgentEvent e) {
        return e.data().at("/item/content/0/text").asText();
    }

    @Test
    void everyCommandProducesItsEventsInOrder() throws Exception {
        Recorder r = new Recorder();
        AgentProcess mock = start(r);
        mock.startTurn("t1", String.join("\n", "echo hello", "stream 3", "tool bash ls -la", "", "  \t",
                "error it broke", "unparsed <<junk>>", "what?", " echo leading space"));
        r.awaitTurnEnd("t1");
        assertThat(r.types()).containsExactly(
                "item.started", "item.completed",                                  // echo
                "item.started", "item.delta", "item.delta", "item.delta", "item.completed", // stream 3
                "item.completed", "item.completed",                                // tool call, tool result
                "error", "agent.unparsed",                                         // (blank lines: nothing)
                "item.started", "item.completed",                                  // echoed text
                "item.started", "item.completed",                                  // not a command either
                "turn.ended");
        List<AgentEvent> e = r.snapshot();
        JsonNode echo = e.get(1).data().get("item");
        assertThat(echo.get("kind").asText()).isEqualTo("message");
        assertThat(echo.get("role").asText()).isEqualTo("assistant");
        assertThat(echo.get("status").asText()).isEqualTo("completed");
        assertThat(echo.at("/content/0/type").asText()).isEqualTo("text");
        assertThat(echo.at("/content/0/text").asText()).isEqualTo("hello");
        assertThat(e.get(0).data().at("/item/item_id")).isEqualTo(echo.get("item_id"));
        assertThat(e.get(0).data().at("/item/status").asText()).isEqualTo("in_progress");

        String streamed = e.get(2).data().at("/item/item_id").asText();
        assertThat(e.subList(3, 6)).extracting(ev -> ev.data().get("item_id").asText()).containsOnly(streamed);
        assertThat(e.subList(3, 6)).extracting(ev -> ev.data().get("delta").asText()).containsExactly("1 ", "2 ", "3 ");
        assertThat(e.get(6).data().at("/item/item_id").asText()).isEqualTo(streamed);
        assertThat(text(e.get(6))).isEqualTo("1 2 3 ");

        JsonNode call = e.get(7).data().get("item");
        JsonNode result = e.get(8).data().get("item");
        assertThat(call.get("kind").asText()).isEqualTo("tool_call");
        assertThat(call.get("role").asText()).isEqualTo("assistant");
        assertThat(call.at("/content/0/type").asText()).isEqualTo("tool_call");
        assertThat(call.at("/content/0/name").asText()).isEqualTo("bash");
        assertThat(call.at("/content/0/arguments").asText()).isEqualTo("ls -la");
        assertThat(result.get("kind").asText()).isEqualTo("tool_result");
        assertThat(result.get("role").asText()).isEqualTo("tool");
        assertThat(result.at("/content/0/type").asText()).isEqualTo("tool_result");
        assertThat(result.at("/content/0/call_id")).isEqualTo(call.at("/content/0/call_id"));
        assertThat(result.at("/content/0/output").asText()).isEqualTo("bash ran with ls -la");
        assertThat(result.get("item_id")).isNotEqualTo(call.get("item_id"));
        assertThat(result.get("parent_id")).isEqualTo(call.get("item_id"));

        assertThat(e.get(9).data().get("message").asText()).isEqualTo("it broke");
        assertThat(e.get(9).data().get("code").asText()).isEqualTo("agent_error"); // the common vocabulary
        assertThat(e.get(9).data().at("/details/agent_code").asText()).isEqualTo("mock_error");
        assertThat(e.get(10).raw().asText()).isEqualTo("?? <<junk>>");
        assertThat(e.get(10).data().get("error").asText()).isNotBlank();
        assertThat(text(e.get(12))).isEqualTo("mock: you said what?");
        assertThat(text(e.get(14))).isEqualTo("mock: you said  echo leading space");
        assertThat(e.get(15).data().get("phase").asText()).isEqualTo("ended");
        // The turn said an error: it ends error, as a real agent's turn does.
        assertThat(e.get(15).data().at("/metadata/status").asText()).isEqualTo("error");

        assertThat(e).allMatch(ev -> ev.nativeSessionId() != null && ev.nativeSessionId().startsWith("mock-"));
        assertThat(e).allMatch(ev -> ev.raw() != null && ev.raw().isTextual() && !ev.synthetic());
        assertThat(e.stream().filter(ev -> ev.type().startsWith("item.") && ev.data().has("item"))
                .map(ev -> ev.data().at("/item/item_id").asText()).distinct()).hasSize(6);
    }

    @Test
    void fiveThousandDeltasArriveInOrder() throws Exception {
        Recorder r = new Recorder();
        AgentProcess mock = start(r);
        mock.startTurn("t", "stream 5000");
        r.awaitTurnEnd("t");
        List<AgentEvent> events = r.snapshot();
        List<String> deltas = events.stream().filter(ev -> ev.type().equals("item.delta"))
                .map(ev -> ev.data().get("delta").asText()).toList();
        List<String> expected = IntStream.rangeClosed(1, 5000).mapToObj(i -> i + " ").toList();
        assertThat(deltas).isEqualTo(expected);
        assertThat(text(events.get(events.size() - 2))).isEqualTo(String.join("", expected));
    }

    @Test
    void interruptEndsASleepAtOnceSkipsTheRestAndTheNextTurnWorks() throws Exception {
        Recorder r = new Recorder();
        AgentProcess mock = start(r);
        // A sleep far longer than the wait for the turn's end: only an interrupt that ends the sleep at once ends
        // the turn within WAIT. No stopwatch (a loaded machine may take seconds to deliver it; a 5 s bound on it was
        // a chance failure), and waiting the sleep out still fails.
        mock.startTurn("t1", "echo before\nsleep 600\necho skipped");
        r.awaitText("before");
        mock.interrupt();
        AgentEvent ended = r.awaitTurnEnd("t1");
        assertThat(ended.data().at("/metadata/status").asText()).isEqualTo("interrupted");
        assertThat(r.snapshot()).noneMatch(ev -> text(ev).equals("skipped"));
        mock.startTurn("t2", "echo next");
        r.awaitTurnEnd("t2");
        assertThat(r.snapshot()).anyMatch(ev -> text(ev).equals("next"));
        assertThat(r.types()).endsWith("turn.ended", "item.started", "item.completed", "turn.ended");
    }

    @Test
    void aStampedPacedStreamCarriesTheWallClockOfEachWrite() throws Exception {
        Recorder r = new Recorder();
        AgentProcess mock = start(r);
        long before = epochMicros();
        mock.startTurn("t", "stream 5 2 stamped\nstream 3 0 stamped\nstream 3 2 stamp");
        r.awaitTurnEnd("t");
        long after = epochMicros();
        List<AgentEvent> events = r.snapshot();
        List<String> deltas = events.stream().filter(ev -> ev.type().equals("item.delta"))
                .map(ev -> ev.data().get("delta").asText()).toList();
        assertThat(deltas).hasSize(5);
        long previous = before;
        for (int i = 0; i < deltas.size(); i++) {
            // "<i>@<seconds>.<microseconds> ": the mock's wall clock when it wrote the line
            assertThat(deltas.get(i)).matches((i + 1) + "@[0-9]+\\.[0-9]{6} ");
            String stamp = deltas.get(i).substring(deltas.get(i).indexOf('@') + 1).trim();
            long micros = Long.parseLong(stamp.replace(".", ""));
            assertThat(micros).isBetween(previous, after);
            previous = micros;
        }
        // without pauses there is nothing to time, and a misspelt word is refused, as any bad usage is
        assertThat(events.stream().filter(ev -> ev.type().equals("error")).map(ev -> ev.data().get("message").asText()))
                .hasSize(2).allMatch(message -> message.startsWith("usage: stream <count>"));
    }

    private static long epochMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    }

    @Test
    void aPacedStreamCanBeInterruptedAndEndsItsItem() throws Exception {
        Recorder r = new Recorder();
        AgentProcess mock = start(r);
        mock.startTurn("t", "stream 1000 20\necho skipped");
        r.await(ev -> ev.type().equals("item.delta") && ev.data().get("delta").asText().equals("2 "));
        mock.interrupt();
        AgentEvent ended = r.awaitTurnEnd("t");
        assertThat(ended.data().at("/metadata/status").asText()).isEqualTo("interrupted");
        List<AgentEvent> events = r.snapshot();
        AgentEvent completed = events.get(events.size() - 2);
        assertThat(completed.type()).isEqualTo("item.completed");
        long deltas = events.stream().filter(ev -> ev.type().equals("item.delta")).count();
        assertThat(deltas).isBetween(2L, 999L);
        assertThat(text(completed)).isEqualTo(IntStream.rangeClosed(1, (int) deltas).mapToObj(i -> i + " ")
                .reduce("", String::concat));
    }

    @Test
    void permissionRepliesMapToTheirStatuses() throws Exception {
        Recorder r = new Recorder();
        AgentProcess mock = start(r);
        String[][] cases = {{"once", "accept", "granted"}, {"always", "accept_for_session", "granted"},
                {"reject", "reject", "denied"}};
        List<String> ids = new ArrayList<>();
        for (String[] c : cases) {
            String turn = "t-" + c[0];
            int before = r.size();
            mock.startTurn(turn, "permission write_file");
            AgentEvent asked = r.await(before, ev -> ev.type().equals("permission.requested"));
            assertThat(asked.data().get("action").asText()).isEqualTo("write_file");
            assertThat(asked.data().get("status").asText()).isEqualTo("requested");
            String id = asked.data().get("permission_id").asText();
            ids.add(id);
            mock.replyPermission(id, c[0]);
            AgentEvent end = r.awaitTurnEnd(turn);
            List<AgentEvent> all = r.snapshot();
            assertThat(all.subList(before, all.size())).extracting(AgentEvent::type).containsExactly(
                    "permission.requested", "permission.resolved", "item.started", "item.completed", "turn.ended");
            AgentEvent resolved = all.get(all.indexOf(end) - 3);
            assertThat(resolved.data().get("permission_id").asText()).isEqualTo(id);
            assertThat(resolved.data().get("status").asText()).isEqualTo(c[1]);
            assertThat(resolved.data().get("action").asText()).isEqualTo("write_file");
            assertThat(text(all.get(all.indexOf(end) - 1))).isEqualTo("permission write_file " + c[2]);
        }
        assertThat(ids).doesNotHaveDuplicates();
    }

    @Test
    void anInterruptWhileAPermissionWaitsRejectsItAndEndsTheTurn() throws Exception {
        Recorder r = new Recorder();
        AgentProcess mock = start(r);
        mock.startTurn("t", "permission rm -rf /\necho skipped");
        AgentEvent asked = r.await(ev -> ev.type().equals("permission.requested"));
        mock.interrupt();
        AgentEvent ended = r.awaitTurnEnd("t");
        assertThat(ended.data().at("/metadata/status").asText()).isEqualTo("interrupted");
        assertThat(r.types()).containsExactly("permission.requested", "permission.resolved", "turn.ended");
        AgentEvent resolved = r.snapshot().get(1);
        assertThat(resolved.data().get("permission_id")).isEqualTo(asked.data().get("permission_id"));
        assertThat(resolved.data().get("status").asText()).isEqualTo("reject");
    }

    @Test
    void bypassModeGrantsWithoutAsking() throws Exception {
        Recorder r = new Recorder();
        AgentProcess mock = start(r, null, "bypass", dir.resolve("bypass"));
        mock.startTurn("t", "permission write_file");
        r.awaitTurnEnd("t");
        assertThat(r.types()).containsExactly("item.started", "item.completed", "turn.ended");
        assertThat(text(r.snapshot().get(1))).isEqualTo("permission write_file granted");
    }

    @Test
    void questionsCanBeAnsweredOrRejected() throws Exception {
        Recorder r = new Recorder();
        AgentProcess mock = start(r);
        mock.startTurn("q1", "question Deploy now?");
        AgentEvent asked = r.await(ev -> ev.type().equals("question.requested"));
        assertThat(asked.data().get("prompt").asText()).isEqualTo("Deploy now?");
        assertThat(asked.data().get("status").asText()).isEqualTo("requested");
        assertThat(asked.data().get("options")).extracting(JsonNode::asText).containsExactly("yes", "no");
        String id = asked.data().get("question_id").asText();
        mock.replyQuestion(id, List.of(List.of("yes", "and fast"), List.of("ignored")));
        AgentEvent answered = r.await(ev -> ev.type().equals("question.resolved"));
        assertThat(answered.data().get("question_id").asText()).isEqualTo(id);
        assertThat(answered.data().get("prompt").asText()).isEqualTo("Deploy now?");
        assertThat(answered.data().get("options")).extracting(JsonNode::asText).containsExactly("yes", "no");
        assertThat(answered.data().get("status").asText()).isEqualTo("answered");
        assertThat(answered.data().get("response").asText()).isEqualTo("yes, and fast");
        r.awaitTurnEnd("q1");
        assertThat(r.types()).containsExactly("question.requested", "question.resolved", "item.started",
                "item.completed", "turn.ended");
        assertThat(text(r.snapshot().get(3))).isEqualTo("you answered yes, and fast");

        int before = r.size();
        mock.startTurn("q2", "question Again?");
        AgentEvent second = r.await(before, ev -> ev.type().equals("question.requested"));
        assertThat(second.data().get("question_id").asText()).isNotEqualTo(id);
        mock.rejectQuestion(second.data().get("question_id").asText());
        AgentEvent rejected = r.await(before, ev -> ev.type().equals("question.resolved"));
        assertThat(rejected.data().get("status").asText()).isEqualTo("rejected");
        assertThat(rejected.data().get("prompt").asText()).isEqualTo("Again?");
        assertThat(rejected.data().get("response").isNull()).isTrue();
        r.awaitTurnEnd("q2");
        assertThat(text(r.snapshot().get(r.size() - 2))).isEqualTo("question rejected");
    }

    @Test
    void repliesAndInterruptsNobodyWaitsForAreIgnored() throws Exception {
        Recorder r = new Recorder();
        AgentProcess mock = start(r);
        mock.replyPermission("perm_9_9", "once");
        mock.replyQuestion("q_9_9", List.of(List.of("yes")));
        mock.rejectQuestion("q_9_9");
        mock.interrupt();
        mock.startTurn("t", "echo still fine");
        r.awaitTurnEnd("t");
        assertThat(r.types()).containsExactly("item.started", "item.completed", "turn.ended");
        assertThat(r.snapshot().get(2).data().at("/metadata/status").asText()).isEqualTo("completed");
    }

    @Test
    void exitReportsTheCodeAndWhatWentToStderrAfterTheLastEvent() throws Exception {
        Recorder r = new Recorder();
        AgentProcess mock = start(r);
        mock.startTurn("t", "echo working\nstderr fatal: out of cheese\nexit 3\necho never");
        AgentExit exit = r.exit.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(exit.exitCode()).isEqualTo(3);
        assertThat(exit.requested()).isFalse();
        assertThat(exit.stderrHead()).containsExactly("fatal: out of cheese");
        assertThat(exit.stderrTail()).isEmpty();
        assertThat(exit.stderrLines()).isEqualTo(1);
        assertThat(r.types()).containsExactly("item.started", "item.completed"); // no turn.ended: it died
        assertThat(r.eventsAtExit).isEqualTo(2);
        assertThat(r.exits).hasValue(1);
        assertThat(mock.isAlive()).isFalse();
    }

    @Test
    void aLongStderrKeepsItsFirstAndLastLines() throws Exception {
        Recorder r = new Recorder();
        AgentProcess mock = start(r);
        StringBuilder message = new StringBuilder();
        for (int i = 1; i <= 120; i++) {
            message.append("stderr line ").append(i).append('\n');
        }
        mock.startTurn("t", message.append("exit 1").toString());
        AgentExit exit = r.exit.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(exit.exitCode()).isEqualTo(1);
        assertThat(exit.stderrLines()).isEqualTo(120);
        assertThat(exit.stderrHead()).hasSize(50).startsWith("line 1");
        assertThat(exit.stderrTail()).hasSize(50).endsWith("line 120");
        assertThat(exit.truncated()).isTrue();
    }

    @Test
    void terminateReportsARequestedExitExactlyOnce() throws Exception {
        Recorder r = new Recorder();
        AgentProcess mock = start(r);
        mock.startTurn("t", "sleep 30");
        mock.terminate(Duration.ofSeconds(2));
        assertThat(mock.isAlive()).isFalse();
        AgentExit exit = r.exit.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(exit.requested()).isTrue();
        mock.terminate(Duration.ofSeconds(2));
        assertThat(r.exits).hasValue(1);
    }

    @Test
    void unparsedOutputIsKeptAsRawWithItsHash() throws Exception {
        Recorder r = new Recorder();
        AgentProcess mock = start(r);
        mock.startTurn("t", "unparsed \u001b[31m{\"not\": json}\u001b[0m");
        r.awaitTurnEnd("t");
        AgentEvent unparsed = r.snapshot().get(0);
        assertThat(unparsed.type()).isEqualTo("agent.unparsed");
        String raw = "?? \u001b[31m{\"not\": json}\u001b[0m";
        assertThat(unparsed.raw().isTextual()).isTrue();
        assertThat(unparsed.raw().asText()).isEqualTo(raw);
        assertThat(unparsed.data().get("location").asText()).isEqualTo("stdout");
        assertThat(unparsed.data().get("raw_hash").asText()).isEqualTo(HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(raw.getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void awkwardTextRoundTripsExactly() throws Exception {
        Recorder r = new Recorder();
        AgentProcess mock = start(r);
        String text = "quotes \" ' back\\slash \\n tab\there ünïcödé ✓ 😀 $HOME `id` $(id) %s %d %0A %25 "
                + "cr\rinside *glob* ~ ;& | > \u0007 end ";
        mock.startTurn("t", String.join("\n", "echo " + text, "tool sh " + text, "error " + text,
                "permission " + text, "question " + text, "stderr " + text, "exit 9"));
        AgentEvent perm = r.await(ev -> ev.type().equals("permission.requested"));
        assertThat(perm.data().get("action").asText()).isEqualTo(text);
        mock.replyPermission(perm.data().get("permission_id").asText(), "once");
        AgentEvent question = r.await(ev -> ev.type().equals("question.requested"));
        assertThat(question.data().get("prompt").asText()).isEqualTo(text);
        mock.replyQuestion(question.data().get("question_id").asText(), List.of(List.of(text, "\u0000nul")));
        AgentExit exit = r.exit.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        List<AgentEvent> e = r.snapshot();
        assertThat(text(e.get(1))).isEqualTo(text);
        assertThat(e.get(2).data().at("/item/content/0/arguments").asText()).isEqualTo(text);
        assertThat(e.get(3).data().at("/item/content/0/output").asText()).isEqualTo("sh ran with " + text);
        assertThat(e.get(4).data().get("message").asText()).isEqualTo(text);
        assertThat(e.get(6).data().get("action").asText()).isEqualTo(text);
        assertThat(e.get(10).data().get("response").asText()).isEqualTo(text + ", \u0000nul");
        assertThat(text(e.get(12))).isEqualTo("you answered " + text + ", \u0000nul");
        assertThat(exit.exitCode()).isEqualTo(9);
        // stderr is a terminal-free pipe but still text lines: the \r inside splits nothing, \0 cannot pass bash
        assertThat(exit.stderrHead()).containsExactly(text);
    }

    @Test
    void aCrLfMessageIsSplitIntoLinesLikeALfOne() throws Exception {
        Recorder r = new Recorder();
        AgentProcess mock = start(r);
        mock.startTurn("t", "echo one\r\necho two\r\n");
        r.awaitTurnEnd("t");
        assertThat(r.snapshot()).filteredOn(ev -> ev.type().equals("item.completed")).extracting(MockAgentTest::text)
                .containsExactly("one", "two");
    }

    @Test
    void resumeKeepsTheNativeSessionIdAndItemIdsStayUnique() throws Exception {
        Path state = dir.resolve("resumed");
        Recorder first = new Recorder();
        AgentProcess one = start(first, null, "default", state);
        String nativeId = one.nativeSessionId();
        assertThat(nativeId).startsWith("mock-");
        one.startTurn("a", "echo one\npermission x");
        AgentEvent asked = first.await(ev -> ev.type().equals("permission.requested"));
        one.terminate(Duration.ofSeconds(2));
        assertThat(first.exit.get(10, TimeUnit.SECONDS).requested()).isTrue();

        Recorder second = new Recorder();
        AgentProcess two = start(second, nativeId, "default", state);
        assertThat(two.nativeSessionId()).isEqualTo(nativeId);
        two.startTurn("b", "echo two\npermission x");
        AgentEvent askedAgain = second.await(ev -> ev.type().equals("permission.requested"));
        assertThat(askedAgain.data().get("permission_id")).isNotEqualTo(asked.data().get("permission_id"));
        assertThat(second.snapshot().get(0).data().at("/item/item_id").asText())
                .isNotEqualTo(first.snapshot().get(0).data().at("/item/item_id").asText());
        assertThat(second.snapshot()).allMatch(ev -> nativeId.equals(ev.nativeSessionId()));

        Recorder fresh = new Recorder();
        AgentProcess three = start(fresh, null, "default", dir.resolve("other"));
        assertThat(three.nativeSessionId()).startsWith("mock-").isNotEqualTo(nativeId);
    }

    @Test
    void twentyMocksRunAtOnce() throws Exception {
        List<Recorder> recorders = new ArrayList<>();
        List<AgentProcess> mocks = new ArrayList<>();
        List<CompletableFuture<AgentProcess>> starting = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Recorder r = new Recorder();
            recorders.add(r);
            Path state = dir.resolve("many-" + i);
            starting.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return start(r, null, "default", state);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (CompletableFuture<AgentProcess> f : starting) {
            mocks.add(f.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        }
        for (int i = 0; i < 20; i++) {
            mocks.get(i).startTurn("t" + i, "echo from " + i + "\nstream 200");
        }
        for (int i = 0; i < 20; i++) {
            recorders.get(i).awaitTurnEnd("t" + i);
            String from = "from " + i;
            assertThat(recorders.get(i).snapshot()).anyMatch(ev -> text(ev).equals(from));
            assertThat(recorders.get(i).snapshot()).filteredOn(ev -> ev.type().equals("item.delta")).hasSize(200);
        }
        assertThat(mocks.stream().map(AgentProcess::nativeSessionId).distinct()).hasSize(20);
        assertThat(mocks.stream().map(AgentProcess::pid).distinct()).hasSize(20);
    }

    @Test
    void theScriptIsInstalledPrivatelyAndUnsupportedModesAreRefused() throws Exception {
        Recorder r = new Recorder();
        start(r);
        Path script = dir.resolve("state").resolve(MockAdapter.SCRIPT_NAME);
        assertThat(Files.getPosixFilePermissions(script)).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);
        AgentLaunch badModel = new AgentLaunch("s", dir, dir.resolve("bad"), "build", "default", "gpt-9", null,
                Map.of());
        assertThatThrownBy(() -> new MockAdapter().start(badModel, r))
                .isInstanceOf(AgentStartException.class).hasMessageContaining("gpt-9").hasMessageContaining("mock");
        AgentLaunch badMode = new AgentLaunch("s", dir, dir.resolve("bad"), "plan", "default", null, null, Map.of());
        assertThatThrownBy(() -> new MockAdapter().start(badMode, r))
                .isInstanceOf(AgentStartException.class).hasMessageContaining("plan");
        AgentLaunch badResume = new AgentLaunch("s", dir, dir.resolve("bad"), "build", "default", null, "x y; z",
                Map.of());
        assertThatThrownBy(() -> new MockAdapter().start(badResume, r))
                .isInstanceOf(AgentStartException.class).hasMessageContaining("x y; z");
    }

    @Test
    void aProcessThatDiesBeforeReadyFailsTheStartClearlyAndTellsTheListenerNothing() throws Exception {
        Recorder r = new Recorder();
        AgentLaunch launch = new AgentLaunch("s", dir, dir, "build", "default", null, null, Map.of());
        assertThatThrownBy(() -> TerminalAgentProcess.start(new TerminalLaunch("mock", "the mock agent",
                List.of("/bin/sh", "-c", "echo no bash here >&2; exit 5"), launch.environment(), dir, false,
                Duration.ofSeconds(10)), new MockProtocol(), r))
                .isInstanceOf(AgentStartException.class)
                .hasMessageContaining("exit code 5")
                .hasMessageContaining("no bash here");
        assertThat(r.exit).isNotDone();
        assertThat(r.types()).isEmpty();
    }
}
