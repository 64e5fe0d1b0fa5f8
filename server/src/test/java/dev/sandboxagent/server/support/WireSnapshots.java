package dev.sandboxagent.server.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Wire snapshots: the events an SSE client received, normalized to one line each, compared with a checked-in file
 * under {@code server/src/test/resources/snapshots/}, with a unified diff when they differ. Shared by the
 * snapshot tests of every agent ({@code WireSnapshotTest} for mock, {@code ClaudeWireSnapshotTest},
 * {@code CodexWireSnapshotTest}, {@code OpencodeWireSnapshotTest}, {@code GeminiWireSnapshotTest}).
 *
 * <p>Normalized, because they differ from run to run: {@code event_id}, {@code time}, durations ({@code *_ms},
 * {@code *duration*}), every id (turn, item, native item and session, permission, question, tool call), each
 * replaced by a placeholder numbered by first appearance ({@code <turn-1>}, {@code <item-3>}) so that which events
 * share an id is still checked, and the texts a test names (its directories, a CLI's version). Everything else is
 * kept: type, source, synthetic, sequence and every data field. One event per line, JSON with sorted keys.
 *
 * <p>With {@code -Dsnapshots.update=true} {@link #compare} rewrites the file from the run instead of comparing:
 * how a change of the wire made on purpose is recorded (commit the file; its diff is the change to review).
 */
public final class WireSnapshots {
    private static final Path DIR = Path.of(System.getProperty("basedir", "."), "src", "test", "resources",
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
            Map.entry("call_id", "call"),
            // Claude Code's permission requests name the tool call they are for by its native id, ACP's by this.
            Map.entry("tool_use_id", "call"),
            Map.entry("tool_call_id", "call"));

    private final Map<String, String> texts;
    private final Map<String, String> fields;

    private WireSnapshots(Map<String, String> texts, Map<String, String> fields) {
        this.texts = texts;
        this.fields = fields;
    }

    /** The normalization every agent's wire gets. */
    public static WireSnapshots normalizer() {
        return new WireSnapshots(Map.of(), Map.of());
    }

    /**
     * Also replaces {@code text} wherever it occurs inside a string value (a directory, a version). Longer texts are
     * replaced first, so a directory inside another is matched by the longer one.
     */
    public WireSnapshots replacing(String text, String placeholder) {
        Map<String, String> more = new HashMap<>(texts);
        more.put(text, placeholder);
        return new WireSnapshots(Map.copyOf(more), fields);
    }

    /** Also replaces the whole value of every field so named (at any depth) by {@code placeholder}. */
    public WireSnapshots masking(String field, String placeholder) {
        Map<String, String> more = new HashMap<>(fields);
        more.put(field, placeholder);
        return new WireSnapshots(texts, Map.copyOf(more));
    }

    /** One line per event: placeholders for what varies run to run, keys sorted. */
    public String normalize(List<JsonNode> events) {
        Map<String, Map<String, Integer>> seen = new HashMap<>();
        List<Map.Entry<String, String>> byLength = new ArrayList<>(texts.entrySet());
        byLength.sort(Comparator.comparingInt((Map.Entry<String, String> e) -> e.getKey().length()).reversed());
        StringBuilder out = new StringBuilder();
        for (JsonNode event : events) {
            out.append(Api.json(normalized(null, event, seen, byLength))).append('\n');
        }
        return out.toString();
    }

    private JsonNode normalized(String field, JsonNode node, Map<String, Map<String, Integer>> seen,
            List<Map.Entry<String, String>> byLength) {
        if (field != null && fields.containsKey(field)) {
            return TextNode.valueOf(fields.get(field));
        }
        if (node.isObject()) {
            ObjectNode sorted = JsonNodeFactory.instance.objectNode();
            TreeSet<String> names = new TreeSet<>();
            node.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                sorted.set(name, normalized(name, node.get(name), seen, byLength));
            }
            return sorted;
        }
        if (node.isArray()) {
            ArrayNode array = JsonNodeFactory.instance.arrayNode();
            for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
                array.add(normalized(field, it.next(), seen, byLength));
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
            Map<String, Integer> numbers = seen.computeIfAbsent(family, f -> new LinkedHashMap<>());
            int n = numbers.computeIfAbsent(node.asText(), v -> numbers.size() + 1);
            return TextNode.valueOf("<" + family + "-" + n + ">");
        }
        if (node.isTextual()) {
            String text = node.asText();
            for (Map.Entry<String, String> replacement : byLength) {
                text = text.replace(replacement.getKey(), replacement.getValue());
            }
            return TextNode.valueOf(text);
        }
        return node;
    }

    /**
     * Compares {@code actual} with {@code snapshots/<name>.txt}, failing with a unified diff; or, with
     * {@code -Dsnapshots.update=true}, writes it there.
     */
    public static void compare(String name, String actual) throws IOException {
        Path file = DIR.resolve(name + ".txt");
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
            throw new AssertionError("the " + name + " wire differs from " + file + " (if the change is meant, "
                    + "rewrite it with -Dsnapshots.update=true and commit the diff):\n"
                    + UnifiedDiff.of(expected, actual, "expected " + file, "actual"));
        }
    }

    /** A unified diff of two texts by lines (longest common subsequence; snapshots are small). */
    private static final class UnifiedDiff {
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
