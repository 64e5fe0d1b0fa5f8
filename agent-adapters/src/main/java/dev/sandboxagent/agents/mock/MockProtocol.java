package dev.sandboxagent.agents.mock;

import static dev.sandboxagent.agents.UniversalItems.message;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.sandboxagent.agents.AgentEvent;
import dev.sandboxagent.agents.AgentProtocol;
import dev.sandboxagent.agents.AgentReplyException;
import dev.sandboxagent.agents.ProtocolOutput;
import dev.sandboxagent.agents.UniversalItems;
import dev.sandboxagent.agents.WireVocabulary;
import dev.sandboxagent.schema.ContentPart;
import dev.sandboxagent.schema.EventData;
import dev.sandboxagent.schema.Item;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The mock agent's line protocol (mock-agent.sh's header), both ways: its output lines become universal events,
 * and the session core's requests become its input lines. Never throws on output: a line it cannot parse (unknown
 * verb, missing or malformed fields, a delta for an unknown item, garbage, terminal escapes) becomes
 * {@code agent.unparsed}. Every event carries the line as {@code raw}. Lines before {@code READY} are kept and
 * reported unparsed once it came. Pure: one instance per process, called under the launcher's lock.
 */
final class MockProtocol implements AgentProtocol {
    private static final int EARLY_LINES_KEPT = 100;
    private static final Set<String> PERMISSION_STATUSES = Set.of("accept", "accept_for_session", "reject");
    private static final Set<String> TURN_STATUSES = Set.of("completed", "interrupted", "error");
    private static final List<String> YES_NO = List.of("yes", "no");

    private final Map<String, StringBuilder> streaming = new HashMap<>();
    private final Map<String, String> prompts = new HashMap<>();
    private final Map<String, String> callItems = new HashMap<>(); // call id -> its tool_call item id
    /** Requests the mock waits on an answer to: what a reply may answer. */
    private final Set<String> awaitedPermissions = new HashSet<>();
    private final Set<String> awaitedQuestions = new HashSet<>();
    private final List<String> early = new ArrayList<>(); // lines before READY
    private String nativeSessionId;

    @Override
    public String nativeSessionId() {
        return nativeSessionId;
    }

    /** The mock speaks first: its READY line. */
    @Override
    public List<ProtocolOutput> open() {
        return List.of();
    }

    @Override
    public List<ProtocolOutput> onLine(String line) {
        if (nativeSessionId == null) {
            Optional<String> id = ready(line);
            if (id.isEmpty()) {
                if (early.size() < EARLY_LINES_KEPT) {
                    early.add(line);
                }
                return List.of();
            }
            List<ProtocolOutput> outputs = new ArrayList<>();
            outputs.add(new ProtocolOutput.Ready(id.get()));
            early.forEach(l -> outputs.add(new ProtocolOutput.Emit(unparsed(l, "output before READY"))));
            early.clear();
            return outputs;
        }
        return parse(line);
    }

    @Override
    public List<ProtocolOutput> startTurn(String turnId, String message) {
        List<ProtocolOutput> input = new ArrayList<>();
        input.add(new ProtocolOutput.Reply("T " + MockText.encode(turnId)));
        for (String line : message.split("\n", -1)) {
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1); // CRLF is a line end too
            }
            input.add(new ProtocolOutput.Reply("L " + MockText.encode(line)));
        }
        input.add(new ProtocolOutput.Reply("E"));
        return input;
    }

    @Override
    public List<ProtocolOutput> replyPermission(String permissionId, String reply) {
        if (!awaitedPermissions.remove(permissionId)) {
            throw notAwaited("permission", permissionId);
        }
        return List.of(new ProtocolOutput.Reply("P " + MockText.encode(permissionId) + " " + MockText.encode(reply)));
    }

    /** The mock's questions are single: the first answer list is the answer. */
    @Override
    public List<ProtocolOutput> replyQuestion(String questionId, List<List<String>> answers) {
        if (!awaitedQuestions.remove(questionId)) {
            throw notAwaited("question", questionId);
        }
        String answer = answers.isEmpty() || answers.get(0) == null ? "" : String.join(", ", answers.get(0));
        return List.of(new ProtocolOutput.Reply("Q " + MockText.encode(questionId) + " A " + MockText.encode(answer)));
    }

    @Override
    public List<ProtocolOutput> rejectQuestion(String questionId) {
        if (!awaitedQuestions.remove(questionId)) {
            throw notAwaited("question", questionId);
        }
        return List.of(new ProtocolOutput.Reply("Q " + MockText.encode(questionId) + " R"));
    }

    @Override
    public List<ProtocolOutput> interrupt() {
        return List.of(new ProtocolOutput.Reply("I"));
    }

    private static AgentReplyException notAwaited(String what, String id) {
        return new AgentReplyException(AgentReplyException.Reason.UNKNOWN_REQUEST,
                "the mock agent is not waiting for an answer to " + what + " " + id);
    }

    /** If {@code line} is the READY line, remembers and returns the native session id. */
    private Optional<String> ready(String line) {
        if (!line.startsWith("READY ")) {
            return Optional.empty();
        }
        String id = line.substring("READY ".length());
        if (!isId(id)) {
            return Optional.empty();
        }
        nativeSessionId = id;
        return Optional.of(id);
    }

    /** What one output line after READY stands for: usually one event, two for a whole message. */
    List<ProtocolOutput> parse(String line) {
        try {
            return translate(line, new Fields(line));
        } catch (Malformed e) {
            return List.of(new ProtocolOutput.Emit(unparsed(line, e.getMessage())));
        } catch (RuntimeException e) {
            return List.of(new ProtocolOutput.Emit(unparsed(line, "unexpected " + e.getClass().getSimpleName())));
        }
    }

    /** The event for a line that means nothing to the adapter. */
    AgentEvent unparsed(String line, String reason) {
        return UniversalItems.unparsed("mock agent", line, reason, nativeSessionId);
    }

    private List<ProtocolOutput> translate(String line, Fields f) {
        String verb = f.word("verb");
        return switch (verb) {
            case "MSG" -> {
                String item = f.id("item id");
                String text = f.text();
                yield List.of(event(line, new EventData.ItemStarted(inProgress(item))),
                        event(line, new EventData.ItemCompleted(message(item, Item.Status.COMPLETED, text, false))));
            }
            case "MSG_START" -> {
                String item = f.id("item id");
                f.end();
                streaming.put(item, new StringBuilder());
                yield List.of(event(line, new EventData.ItemStarted(inProgress(item))));
            }
            case "DELTA" -> {
                String item = f.id("item id");
                String delta = f.text();
                StringBuilder text = streaming.get(item);
                if (text == null) {
                    throw new Malformed("delta for item " + item + ", which was not started");
                }
                text.append(delta);
                yield List.of(event(line, new EventData.ItemDelta(item, delta)));
            }
            case "MSG_END" -> {
                String item = f.id("item id");
                f.end();
                StringBuilder text = streaming.remove(item);
                if (text == null) {
                    throw new Malformed("end of item " + item + ", which was not started");
                }
                yield List.of(event(line, new EventData.ItemCompleted(message(item, Item.Status.COMPLETED,
                        text.toString(), false))));
            }
            case "TOOL" -> {
                String item = f.id("item id");
                String call = f.id("call id");
                String name = f.word("tool name");
                String arguments = f.text();
                callItems.put(call, item);
                yield List.of(event(line, new EventData.ItemCompleted(UniversalItems.toolCall(item,
                        MockText.decode(name), arguments, call))));
            }
            case "RESULT" -> {
                String item = f.id("item id");
                String call = f.id("call id");
                String output = f.text();
                Item result = Item.of(item, Item.Kind.TOOL_RESULT, Item.Role.TOOL, Item.Status.COMPLETED,
                        List.of(new ContentPart.ToolResult(call, output)))
                        .withParent(callItems.remove(call)); // the tool_call item it answers; null if unknown
                yield List.of(event(line, new EventData.ItemCompleted(result)));
            }
            case "PERM_REQ" -> {
                String id = f.id("permission id");
                String action = f.text();
                awaitedPermissions.add(id);
                yield List.of(event(line, new EventData.PermissionRequested(id, action, "requested", null)));
            }
            case "PERM_RES" -> {
                String id = f.id("permission id");
                String status = f.oneOf("permission status", PERMISSION_STATUSES);
                String action = f.text();
                awaitedPermissions.remove(id);
                yield List.of(event(line, new EventData.PermissionResolved(id, action, status, null)));
            }
            case "Q_REQ" -> {
                String id = f.id("question id");
                String prompt = f.text();
                prompts.put(id, prompt);
                awaitedQuestions.add(id);
                yield List.of(event(line, new EventData.QuestionRequested(id, prompt, YES_NO, "requested", null,
                        null, null)));
            }
            case "Q_RES" -> {
                String id = f.id("question id");
                String outcome = f.oneOf("question outcome", Set.of("answered", "rejected"));
                String answer = outcome.equals("answered") ? f.text() : null;
                if (answer == null) {
                    f.end();
                }
                String prompt = prompts.remove(id);
                if (prompt == null) {
                    throw new Malformed("answer to question " + id + ", which was not asked");
                }
                awaitedQuestions.remove(id);
                yield List.of(event(line, new EventData.QuestionResolved(id, prompt, YES_NO, outcome, answer, null,
                        null)));
            }
            case "ERROR" -> List.of(event(line, new EventData.Error(f.text(), WireVocabulary.AGENT_ERROR,
                    WireVocabulary.errorDetails("mock_error", null), null, null, null)));
            case "TURN_END" -> {
                String status = f.oneOf("turn status", TURN_STATUSES);
                String turnId = f.text();
                if (turnId.isEmpty()) {
                    throw new Malformed("missing turn id");
                }
                // The turn is the one the session core gave: the launcher labels the end with its id.
                awaitedPermissions.clear();
                awaitedQuestions.clear();
                yield List.of(new ProtocolOutput.TurnEnded(EventData.TurnEnded.Metadata.of(status),
                        TextNode.valueOf(line)));
            }
            default -> throw new Malformed("unknown verb");
        };
    }

    /** An assistant message still in progress: its content is empty. */
    private static Item inProgress(String id) {
        return message(id, Item.Status.IN_PROGRESS, null, false);
    }

    private ProtocolOutput event(String line, EventData data) {
        return ProtocolOutput.emit(data, TextNode.valueOf(line), nativeSessionId);
    }

    /**
     * Whether {@code word} is an id: {@code [A-Za-z0-9][A-Za-z0-9_.:-]*}, checked by hand. A regex matcher per
     * id (a streamed delta has one) was the PTY reader's largest allocation in the streaming benchmark.
     */
    static boolean isId(String word) {
        if (word.isEmpty() || !isAsciiLetterOrDigit(word.charAt(0))) {
            return false;
        }
        for (int i = 1; i < word.length(); i++) {
            char c = word.charAt(i);
            if (!isAsciiLetterOrDigit(c) && c != '_' && c != '.' && c != ':' && c != '-') {
                return false;
            }
        }
        return true;
    }

    private static boolean isAsciiLetterOrDigit(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    /** Reads the space-separated fields of one line; the last field of most verbs is free text. */
    private static final class Fields {
        private final String line;
        private int at;

        Fields(String line) {
            this.line = line;
        }

        String word(String what) {
            if (at >= line.length()) {
                throw new Malformed("missing " + what);
            }
            int space = line.indexOf(' ', at);
            int end = space < 0 ? line.length() : space;
            String word = line.substring(at, end);
            at = space < 0 ? line.length() : space + 1;
            if (word.isEmpty()) {
                throw new Malformed("empty " + what);
            }
            return word;
        }

        String id(String what) {
            String id = word(what);
            if (!isId(id)) {
                throw new Malformed("malformed " + what);
            }
            return id;
        }

        String oneOf(String what, Set<String> allowed) {
            String word = word(what);
            if (!allowed.contains(word)) {
                throw new Malformed("unknown " + what + " " + word);
            }
            return word;
        }

        /** The rest of the line, unescaped; empty if there is none. */
        String text() {
            String rest = at >= line.length() ? "" : line.substring(at);
            at = line.length();
            return MockText.decode(rest);
        }

        void end() {
            if (at < line.length()) {
                throw new Malformed("unexpected text after the fields");
            }
        }
    }

    private static final class Malformed extends RuntimeException {
        Malformed(String reason) {
            super(reason, null, false, false);
        }
    }
}
