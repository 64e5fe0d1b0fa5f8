package dev.sandboxagent.server;

import static dev.sandboxagent.server.support.SseReader.type;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.ServerPerTest;
import dev.sandboxagent.server.support.SseReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The wire, pinned: the mock agent (a real process under a real PTY, through the real server) runs a few
 * representative turns (text, streaming, a tool call and its result, an answered permission, an answered question,
 * an interrupt, an error, an unparsed line), and the events an SSE client receives are compared, normalized, with
 * the checked-in {@code src/test/resources/snapshots/mock.txt}. Any change to the wire (a type, a field, a value,
 * the order, an added or missing event) shows up as a unified diff of that file.
 *
 * <p>Normalized, because they differ from run to run: {@code event_id}, {@code time}, durations, the data and
 * working directories, and every id (turn, item, native item and session, permission, question, tool call), each replaced by
 * a placeholder numbered by first appearance ({@code <turn-1>}, {@code <item-3>}), so that which events share an id
 * is still checked. Everything else is kept: type, source, synthetic, sequence and every data field. One event per
 * line, as JSON with sorted keys.
 *
 * <p><b>Changing the wire on purpose:</b> run this test with {@code -Dsnapshots.update=true}, which rewrites the
 * snapshot file from the run instead of comparing, and commit the file; its diff is the wire change to review:
 * {@code mvn -B -q -pl server -am verify -Dtest=WireSnapshotTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dsnapshots.update=true}.
 */
class WireSnapshotTest extends ServerPerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Path SNAPSHOTS = Path.of(System.getProperty("basedir", "."), "src", "test", "resources",
            "snapshots");

    /** Id-valued fields and the placeholder family each one belongs to. */
    private static final Map<String, String> IDS = Map.ofEntries(
            Map.entry("turn_id", "turn"),
            Map.entry("item_id", "item"),
            Map.entry("parent_id", "item"),
            Map.entry("native_item_id", "native-item"),
            Map.entry("native_session_id", "native-session"),
            Map.entry("permission_id", "permission"),
            Map.entry("question_id", "question"),
            Map.entry("call_id", "call"));

    @Test
    void theMockAgentsWireMatchesItsSnapshot() throws IOException {
        api.createSession("snap", "mock");
        try (SseReader sse = server.sse("snap", null)) {
            turn(sse, "echo hello wire");
            turn(sse, "stream 3");
            turn(sse, "tool bash ls -la");
            String permission = api.sendMessage("snap", "permission write_file\necho permitted");
            JsonNode asked = sse.await(type("permission.requested"), WAIT);
            Api.require(api.post("/v1/sessions/snap/permissions/" + asked.at("/data/permission_id").asText()
                    + "/reply", "{\"reply\":\"once\"}"), 204);
            awaitTurnEnded(sse, permission);
            String question = api.sendMessage("snap", "question Deploy now?\necho answered");
            JsonNode q = sse.await(type("question.requested"), WAIT);
            Api.require(api.post("/v1/sessions/snap/questions/" + q.at("/data/question_id").asText() + "/reply",
                    "{\"answers\":[[\"yes\"]]}"), 204);
            awaitTurnEnded(sse, question);
            String sleeping = api.sendMessage("snap", "sleep 30\necho never");
            sse.await(e -> type("turn.started").test(e) && e.at("/data/turn_id").asText().equals(sleeping), WAIT);
            Api.require(api.post("/v1/sessions/snap/interrupt", null), 202);
            awaitTurnEnded(sse, sleeping);
            turn(sse, "error broke on purpose");
            turn(sse, "unparsed ???");
            compare("mock", normalize(sse.events()));
        }
    }

    private void turn(SseReader sse, String message) {
        awaitTurnEnded(sse, api.sendMessage("snap", message));
    }

    private static void awaitTurnEnded(SseReader sse, String turnId) {
        sse.await(e -> type("turn.ended").test(e) && e.at("/data/turn_id").asText().equals(turnId), WAIT);
    }

    /** One line per event: placeholders for what varies run to run, keys sorted. */
    private String normalize(List<JsonNode> events) {
        Map<String, Map<String, Integer>> seen = new HashMap<>();
        StringBuilder out = new StringBuilder();
        for (JsonNode event : events) {
            out.append(Api.json(normalized(null, event, seen))).append('\n');
        }
        return out.toString();
    }

    private JsonNode normalized(String field, JsonNode node, Map<String, Map<String, Integer>> seen) {
        if (node.isObject()) {
            ObjectNode sorted = JsonNodeFactory.instance.objectNode();
            TreeSet<String> names = new TreeSet<>();
            node.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                sorted.set(name, normalized(name, node.get(name), seen));
            }
            return sorted;
        }
        if (node.isArray()) {
            ArrayNode array = JsonNodeFactory.instance.arrayNode();
            for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
                array.add(normalized(field, it.next(), seen));
            }
            return array;
        }
        if (field == null || node.isNull()) {
            return node;
        }
        if (field.equals("event_id") || field.equals("time")) {
            return TextNode.valueOf("<" + field.replace('_', '-') + ">");
        }
        if (field.endsWith("_ms") || field.contains("duration")) {
            return TextNode.valueOf("<duration>");
        }
        String family = IDS.get(field);
        if (family != null) {
            Map<String, Integer> numbers = seen.computeIfAbsent(family, f -> new HashMap<>());
            int n = numbers.computeIfAbsent(node.asText(), v -> numbers.size() + 1);
            return TextNode.valueOf("<" + family + "-" + n + ">");
        }
        if (node.isTextual()) {
            // Paths: the data directory, and the server's working directory (the session's default directory),
            // which is wherever the checkout is.
            return TextNode.valueOf(node.asText().replace(dataDir.toString(), "<data-dir>")
                    .replace(System.getProperty("user.dir"), "<working-dir>"));
        }
        return node;
    }

    private static void compare(String agent, String actual) throws IOException {
        Path file = SNAPSHOTS.resolve(agent + ".txt");
        if (Boolean.getBoolean("snapshots.update")) {
            Files.createDirectories(file.getParent());
            Files.writeString(file, actual, StandardCharsets.UTF_8);
            return;
        }
        if (!Files.exists(file)) {
            throw new AssertionError("no snapshot " + file.toAbsolutePath()
                    + "; write it with -Dsnapshots.update=true and review it");
        }
        String expected = Files.readString(file, StandardCharsets.UTF_8);
        if (!expected.equals(actual)) {
            throw new AssertionError("the " + agent + " wire differs from " + file + " (if the change is meant, "
                    + "rewrite it with -Dsnapshots.update=true and commit the diff):\n"
                    + UnifiedDiff.of(expected, actual, "expected " + file, "actual"));
        }
    }

    /** A unified diff of two texts by lines (longest common subsequence; snapshots are small). */
    static final class UnifiedDiff {
        private static final int CONTEXT = 3;

        private UnifiedDiff() {
        }

        static String of(String expected, String actual, String expectedName, String actualName) {
            String[] a = expected.split("\n");
            String[] b = actual.split("\n");
            int[][] lcs = new int[a.length + 1][b.length + 1];
            for (int i = a.length - 1; i >= 0; i--) {
                for (int j = b.length - 1; j >= 0; j--) {
                    lcs[i][j] = a[i].equals(b[j]) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
                }
            }
            // The edit script: ' ' kept, '-' only expected, '+' only actual, with each line's numbers.
            List<char[]> ops = new ArrayList<>();
            List<String> lines = new ArrayList<>();
            List<int[]> at = new ArrayList<>();
            int i = 0;
            int j = 0;
            while (i < a.length || j < b.length) {
                if (i < a.length && j < b.length && a[i].equals(b[j])) {
                    ops.add(new char[] {' '});
                    lines.add(a[i]);
                    at.add(new int[] {i++, j++});
                } else if (i < a.length && (j == b.length || lcs[i + 1][j] >= lcs[i][j + 1])) {
                    // Removals before additions, as diff -u writes them.
                    ops.add(new char[] {'-'});
                    lines.add(a[i]);
                    at.add(new int[] {i++, j});
                } else {
                    ops.add(new char[] {'+'});
                    lines.add(b[j]);
                    at.add(new int[] {i, j++});
                }
            }
            StringBuilder out = new StringBuilder("--- " + expectedName + "\n+++ " + actualName + "\n");
            int k = 0;
            while (k < ops.size()) {
                if (ops.get(k)[0] == ' ') {
                    k++;
                    continue;
                }
                int start = Math.max(0, k - CONTEXT);
                // Extend the hunk while the next change is within twice the context.
                int lastChange = k;
                for (int m = k; m < ops.size() && m <= lastChange + 2 * CONTEXT; m++) {
                    if (ops.get(m)[0] != ' ') {
                        lastChange = m;
                    }
                }
                int end = Math.min(ops.size(), lastChange + CONTEXT + 1);
                int expectedCount = 0;
                int actualCount = 0;
                for (int m = start; m < end; m++) {
                    expectedCount += ops.get(m)[0] != '+' ? 1 : 0;
                    actualCount += ops.get(m)[0] != '-' ? 1 : 0;
                }
                out.append("@@ -").append(at.get(start)[0] + 1).append(',').append(expectedCount)
                        .append(" +").append(at.get(start)[1] + 1).append(',').append(actualCount).append(" @@\n");
                for (int m = start; m < end; m++) {
                    out.append(ops.get(m)[0]).append(lines.get(m)).append('\n');
                }
                k = end;
            }
            return out.toString();
        }
    }
}
