package dev.sandboxagent.agents.pi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandboxagent.agents.AgentEvent;
import dev.sandboxagent.agents.AgentReplyException;
import dev.sandboxagent.agents.ProtocolOutput;
import dev.sandboxagent.schema.ContentPart;
import dev.sandboxagent.schema.EventData;
import dev.sandboxagent.schema.Item;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link PiProtocol} with no process: real runs of pi 0.73.1 in RPC mode against FakeAnthropic, one line per object
 * ({@code {"from":"client"|"agent","json":...}}, src/test/resources/pi), replayed. Every command we sent is rebuilt
 * by the protocol (open, startTurn, interrupt) and must equal the recorded one; the agent's lines must give the
 * universal events. {@code session.jsonl}: a text turn, a bash tool call, a slow reply aborted after two deltas,
 * a request the provider refused (HTTP 400); {@code resumed.jsonl}: a new process started with {@code --session}
 * of that conversation, and one more turn.
 */
class PiProtocolTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a replay gave: the events, the turn ends, and the readiness. */
    private record Replay(List<AgentEvent> events, List<ProtocolOutput.TurnEnded> ends, List<ProtocolOutput> ready) {
        List<EventData> data() {
            return events.stream().map(AgentEvent::payload).toList();
        }

        List<Item> completed() {
            return data().stream().filter(d -> d instanceof EventData.ItemCompleted)
                    .map(d -> ((EventData.ItemCompleted) d).item()).toList();
        }
    }

    private static Replay replay(PiProtocol protocol, String fixture) throws IOException {
        List<AgentEvent> events = new ArrayList<>();
        List<ProtocolOutput.TurnEnded> ends = new ArrayList<>();
        List<ProtocolOutput> ready = new ArrayList<>();
        boolean opened = false;
        for (JsonNode record : lines(fixture)) {
            JsonNode json = record.path("json");
            List<ProtocolOutput> outputs;
            if (record.path("from").asText().equals("client")) {
                outputs = switch (json.path("type").asText()) {
                    case "get_state" -> {
                        assertThat(opened).as("get_state only once, at open").isFalse();
                        opened = true;
                        yield protocol.open();
                    }
                    case "prompt" -> protocol.startTurn("turn", json.path("message").asText());
                    case "abort" -> protocol.interrupt();
                    default -> throw new AssertionError("a command the protocol never sends: " + json);
                };
                assertThat(outputs).as("the command the protocol writes for " + json)
                        .containsExactly(new ProtocolOutput.Reply(json.toString()));
                continue;
            }
            outputs = protocol.onLine(json.toString());
            for (ProtocolOutput output : outputs) {
                if (output instanceof ProtocolOutput.Emit emit) {
                    events.add(emit.event());
                } else if (output instanceof ProtocolOutput.TurnEnded ended) {
                    ends.add(ended);
                } else if (output instanceof ProtocolOutput.Ready || output instanceof ProtocolOutput.StartFailed) {
                    ready.add(output);
                } else {
                    throw new AssertionError("pi waits on nothing of ours here, yet the protocol wrote " + output);
                }
            }
        }
        return new Replay(events, ends, ready);
    }

    private static List<JsonNode> lines(String fixture) throws IOException {
        try (InputStream in = PiProtocolTest.class.getResourceAsStream("/pi/" + fixture)) {
            List<JsonNode> lines = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    lines.add(JSON.readTree(line));
                }
            }
            return lines;
        }
    }

    @Test
    void aRecordedSessionGivesStreamedTextToolCallsAnInterruptAndAProviderError() throws IOException {
        PiProtocol protocol = new PiProtocol();
        Replay replay = replay(protocol, "session.jsonl");

        assertThat(replay.ready()).containsExactly(new ProtocolOutput.Ready("01a23339-9439-767d-bcce-e93e5cb17ee0"));
        assertThat(protocol.nativeSessionId()).isEqualTo("01a23339-9439-767d-bcce-e93e5cb17ee0");
        assertThat(replay.ends()).extracting(e -> e.metadata().status())
                .containsExactly("completed", "completed", "interrupted", "error");

        // 1. Text, streamed: one started item, its deltas add up to the completed text.
        List<Item> messages = replay.completed().stream().filter(i -> i.kind() == Item.Kind.MESSAGE).toList();
        assertThat(messages).extracting(PiProtocolTest::text).containsExactly(
                "FAKE_REPLY: you said remember the word pelican", "FAKE_DONE: tool said: hello", "slow-1 slow-2 ");
        String firstId = messages.get(0).itemId();
        assertThat(replay.data()).filteredOn(d -> d instanceof EventData.ItemDelta delta
                        && delta.itemId().equals(firstId)).hasSize(7)
                .extracting(d -> ((EventData.ItemDelta) d).delta())
                .satisfies(deltas -> assertThat(String.join("", deltas))
                        .isEqualTo("FAKE_REPLY: you said remember the word pelican"));
        assertThat(replay.data()).filteredOn(d -> d instanceof EventData.ItemStarted started
                && started.item().itemId().equals(firstId)).hasSize(1);

        // 2. The bash call, then its result (pointing at the call), then the reply.
        Item call = replay.completed().stream().filter(i -> i.kind() == Item.Kind.TOOL_CALL).findFirst().orElseThrow();
        ContentPart.ToolCall callPart = (ContentPart.ToolCall) call.content().get(0);
        assertThat(callPart.name()).isEqualTo("bash");
        assertThat(callPart.arguments()).contains("echo hello > hello.txt");
        Item result = replay.completed().stream().filter(i -> i.kind() == Item.Kind.TOOL_RESULT).findFirst()
                .orElseThrow();
        assertThat(result.status()).isEqualTo(Item.Status.COMPLETED);
        assertThat(result.parentId()).isEqualTo(call.itemId());
        assertThat(((ContentPart.ToolResult) result.content().get(0)).callId()).isEqualTo(callPart.callId());
        assertThat(((ContentPart.ToolResult) result.content().get(0)).output()).isEqualTo("hello\n");
        assertThat(replay.completed()).extracting(Item::kind).containsSubsequence(Item.Kind.TOOL_CALL,
                Item.Kind.TOOL_RESULT, Item.Kind.MESSAGE);

        // 3. The aborted reply ends with what streamed; the turn is interrupted, not an error.
        assertThat(replay.ends().get(2).metadata().error()).isNull();
        assertThat(replay.ends().get(2).metadata().stopReason().asText()).isEqualTo("aborted");

        // 4. The provider's 400: an error event in the common vocabulary, and the turn ends in error.
        List<EventData.Error> errors = replay.data().stream().filter(d -> d instanceof EventData.Error)
                .map(d -> (EventData.Error) d).toList();
        assertThat(errors).singleElement().satisfies(error -> {
            assertThat(error.code()).isEqualTo("provider_error");
            assertThat(error.message()).contains("400", "the fake provider refuses this request");
            assertThat(error.details().path("http_status").asInt()).isEqualTo(400);
            assertThat(error.details().path("agent_code").asText()).isEqualTo("invalid_request_error");
        });
        assertThat(replay.ends().get(3).metadata().error()).contains("the fake provider refuses this request");

        // Usage in the common shape: the fake reports 10 in, 5 out per request; the tool turn made two.
        assertThat(replay.ends().get(1).metadata().usage().path("input_tokens").asLong()).isEqualTo(20);
        assertThat(replay.ends().get(1).metadata().usage().path("output_tokens").asLong()).isEqualTo(10);

        // Every item starts once and completes once; nothing unparsed.
        assertThat(replay.data()).noneMatch(d -> d instanceof EventData.AgentUnparsed);
        Set<String> completedIds = new HashSet<>();
        replay.completed().forEach(i -> assertThat(completedIds.add(i.itemId())).as("completed once: " + i.itemId()).isTrue());
    }

    @Test
    void aResumedProcessNamesTheSameSessionAndReusesNoItemId() throws IOException {
        Replay first = replay(new PiProtocol(), "session.jsonl");
        PiProtocol resumed = new PiProtocol();
        Replay second = replay(resumed, "resumed.jsonl");

        assertThat(second.ready()).containsExactly(new ProtocolOutput.Ready("01a23339-9439-767d-bcce-e93e5cb17ee0"));
        assertThat(second.ends()).extracting(e -> e.metadata().status()).containsExactly("completed");
        assertThat(second.completed()).extracting(PiProtocolTest::text)
                .containsExactly("FAKE_REPLY: you said which word");
        Set<String> before = new HashSet<>(first.completed().stream().map(Item::itemId).toList());
        assertThat(second.completed()).noneMatch(i -> before.contains(i.itemId()));
    }

    @Test
    void aGarbledLineIsUnparsedAndTheTurnStillCompletes() {
        PiProtocol protocol = new PiProtocol();
        protocol.open();
        protocol.onLine("{\"id\":\"sa-state\",\"type\":\"response\",\"command\":\"get_state\",\"success\":true,"
                + "\"data\":{\"sessionId\":\"s-1\"}}");
        protocol.startTurn("turn", "hi");

        List<ProtocolOutput> garbled = protocol.onLine("{\"type\":\"message_update\",\"assistantMess");
        assertThat(garbled).singleElement().isInstanceOfSatisfying(ProtocolOutput.Emit.class, e -> {
            assertThat(e.event().payload()).isInstanceOf(EventData.AgentUnparsed.class);
            assertThat(((EventData.AgentUnparsed) e.event().payload()).error()).contains("malformed JSON");
            assertThat(e.event().raw().asText()).isEqualTo("{\"type\":\"message_update\",\"assistantMess");
        });
        assertThat(protocol.onLine("{\"type\":\"something_new\"}")).singleElement()
                .isInstanceOfSatisfying(ProtocolOutput.Emit.class, e -> assertThat(e.event().payload())
                        .isInstanceOf(EventData.AgentUnparsed.class));
        assertThat(protocol.onLine("not json at all")).singleElement().isInstanceOf(ProtocolOutput.Emit.class);
        assertThat(protocol.onLine("{\"type\":\"agent_end\",\"messages\":[]}")).singleElement()
                .isInstanceOfSatisfying(ProtocolOutput.TurnEnded.class,
                        e -> assertThat(e.metadata().status()).isEqualTo("completed"));
    }

    @Test
    void aRefusedPromptEndsTheTurnInErrorAndARefusedStateFailsTheStart() {
        PiProtocol refusedStart = new PiProtocol();
        refusedStart.open();
        assertThat(refusedStart.onLine("{\"id\":\"sa-state\",\"type\":\"response\",\"command\":\"get_state\","
                + "\"success\":false,\"error\":\"no model\"}")).singleElement()
                .isInstanceOfSatisfying(ProtocolOutput.StartFailed.class,
                        f -> assertThat(f.reason()).contains("no model"));

        PiProtocol protocol = new PiProtocol();
        protocol.open();
        protocol.onLine("{\"id\":\"sa-state\",\"type\":\"response\",\"command\":\"get_state\",\"success\":true,"
                + "\"data\":{\"sessionId\":\"s-1\"}}");
        protocol.startTurn("turn", "hi");
        List<ProtocolOutput> refused = protocol.onLine("{\"id\":\"sa-prompt-1\",\"type\":\"response\","
                + "\"command\":\"prompt\",\"success\":false,\"error\":\"No API key found for anthropic\"}");
        assertThat(refused).hasSize(2);
        assertThat(refused.get(0)).isInstanceOfSatisfying(ProtocolOutput.Emit.class,
                e -> assertThat(((EventData.Error) e.event().payload()).message()).contains("No API key"));
        assertThat(refused.get(1)).isInstanceOfSatisfying(ProtocolOutput.TurnEnded.class,
                e -> assertThat(e.metadata().status()).isEqualTo("error"));
        assertThat(protocol.interrupt()).as("no turn runs: nothing to abort").isEmpty();
    }

    @Test
    void piAsksNothingSoEveryReplyIsRefusedAndExtensionDialogsAreDeclined() {
        PiProtocol protocol = new PiProtocol();
        assertThatThrownBy(() -> protocol.replyPermission("p1", "once")).isInstanceOfSatisfying(
                AgentReplyException.class, e -> assertThat(e.reason()).isEqualTo(
                        AgentReplyException.Reason.UNKNOWN_REQUEST));
        assertThatThrownBy(() -> protocol.replyQuestion("q1", List.of(List.of("a"))))
                .isInstanceOf(AgentReplyException.class);
        assertThatThrownBy(() -> protocol.rejectQuestion("q1")).isInstanceOf(AgentReplyException.class);

        assertThat(protocol.onLine("{\"type\":\"extension_ui_request\",\"id\":\"u-1\",\"method\":\"confirm\","
                + "\"title\":\"Clear?\"}")).containsExactly(new ProtocolOutput.Reply(
                "{\"type\":\"extension_ui_response\",\"id\":\"u-1\",\"cancelled\":true}"));
        assertThat(protocol.onLine("{\"type\":\"extension_ui_request\",\"id\":\"u-2\",\"method\":\"notify\","
                + "\"message\":\"hello\"}")).isEmpty();
    }

    private static String text(Item item) {
        return item.content().isEmpty() ? "" : ((ContentPart.Text) item.content().get(0)).text();
    }
}
