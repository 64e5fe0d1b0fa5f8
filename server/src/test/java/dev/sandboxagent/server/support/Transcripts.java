package dev.sandboxagent.server.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.agents.testing.Eventually;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** Waiting on a session's stored events, and searching a data directory, for tests of real agents. */
public final class Transcripts {
    private static final java.time.Duration WAIT = java.time.Duration.ofSeconds(60);

    private Transcripts() {
    }

    /** The first stored event of the session that matches, polling for up to 60 s. */
    public static JsonNode await(Api api, String id, Predicate<JsonNode> condition) throws InterruptedException {
        List<JsonNode> events = Eventually.await("a matching event of " + id, WAIT, () -> api.events(id),
                all -> all.stream().anyMatch(condition));
        return events.stream().filter(condition).findFirst().orElseThrow();
    }

    /** As {@link #await(Api, String, Predicate)}, waiting up to {@code wait} (slow agents on a busy machine). */
    public static JsonNode await(Api api, String id, Predicate<JsonNode> condition, java.time.Duration wait)
            throws InterruptedException {
        List<JsonNode> events = Eventually.await("a matching event of " + id, wait, () -> api.events(id),
                all -> all.stream().anyMatch(condition));
        return events.stream().filter(condition).findFirst().orElseThrow();
    }

    public static Predicate<JsonNode> turnEnded(String turnId) {
        return e -> e.path("type").asText().equals("turn.ended")
                && e.path("data").path("turn_id").asText().equals(turnId);
    }

    public static Predicate<JsonNode> type(String type) {
        return e -> e.path("type").asText().equals(type);
    }

    /** POST .../messages, with credentials when given; returns the turn id. */
    public static String send(Api api, String id, String message, Map<String, Object> credentials) {
        Api.Answer a = api.post("/v1/sessions/" + id + "/messages", Api.json(credentials == null
                ? Map.of("message", message) : Map.of("message", message, "credentials", credentials)));
        Api.require(a, 202);
        return a.json().path("turnId").asText();
    }

    /** The kinds of the session's completed items, in order. */
    public static List<String> completedKinds(Api api, String id) {
        return api.events(id).stream().filter(type("item.completed"))
                .map(e -> e.path("data").path("item").path("kind").asText()).toList();
    }

    /**
     * Fails unless every item in {@code events} has the lifecycle clients of the anchor rely on: one
     * {@code item.started} before its deltas and its {@code item.completed}, and for an assistant message deltas
     * that add up to its text. Returns how many items completed.
     */
    public static int assertItemLifecycles(List<JsonNode> events) {
        java.util.Set<String> started = new java.util.HashSet<>();
        Map<String, StringBuilder> deltas = new java.util.HashMap<>();
        int completed = 0;
        for (JsonNode e : events) {
            switch (e.path("type").asText()) {
                case "item.started" -> {
                    if (!started.add(e.at("/data/item/item_id").asText())) {
                        throw new AssertionError("started twice: " + e);
                    }
                }
                case "item.delta" -> {
                    String id = e.at("/data/item_id").asText();
                    if (!started.contains(id)) {
                        throw new AssertionError("delta before its item started: " + e);
                    }
                    deltas.computeIfAbsent(id, k -> new StringBuilder()).append(e.at("/data/delta").asText());
                }
                case "item.completed" -> {
                    JsonNode item = e.at("/data/item");
                    String id = item.path("item_id").asText();
                    if (!started.contains(id)) {
                        throw new AssertionError("completed without a start: " + e);
                    }
                    if (item.path("kind").asText().equals("message") && item.path("role").asText().equals("assistant")
                            && item.path("status").asText().equals("completed")) {
                        StringBuilder text = new StringBuilder();
                        item.path("content").forEach(part -> text.append(part.path("text").asText("")));
                        String streamed = deltas.containsKey(id) ? deltas.get(id).toString() : null;
                        if (!text.isEmpty() && !text.toString().equals(streamed)) {
                            throw new AssertionError("deltas " + streamed + " do not add up to the message: " + e);
                        }
                    }
                    completed++;
                }
                default -> {
                }
            }
        }
        return completed;
    }

    /** Every regular file under {@code root} whose bytes contain {@code text} (UTF-8). */
    public static List<Path> filesContaining(Path root, String text) throws IOException {
        byte[] needle = text.getBytes(StandardCharsets.UTF_8);
        List<Path> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                if (indexOf(Files.readAllBytes(file), needle) >= 0) {
                    found.add(file);
                }
            }
        }
        return found;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
