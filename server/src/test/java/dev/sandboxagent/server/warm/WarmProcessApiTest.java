package dev.sandboxagent.server.warm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.agents.testing.Eventually;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.RunningServer;
import dev.sandboxagent.server.support.SseReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A warm process declared in the config file: ready by its TCP probe, restarted after kill -9, logs over the API. */
class WarmProcessApiTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path work;

    @Test
    void aDeclaredProcessIsKeptWarm() throws Exception {
        int port = TinyListener.freePort();
        Path config = work.resolve("warm.json");
        Files.writeString(config, Api.json(Map.of("processes", java.util.List.of(Map.of(
                "name", "listener",
                "command", TinyListener.command(port, 0),
                "readiness", Map.of("tcp", Map.of("host", "127.0.0.1", "port", port)),
                "restart", Map.of("policy", "always", "initialDelayMs", 200, "maxDelayMs", 2000),
                "stopGraceMs", 3000)))));
        try (RunningServer server = RunningServer.start(RunningServer.config(work.resolve("data"),
                RunningServer.TOKEN, 1 << 20).withWarmConfig(config));
             SseReader events = SseReader.open(server.api().base() + "/v1/events/sse", RunningServer.TOKEN, null)) {
            Api api = server.api();
            JsonNode ready = events.await(e -> state(e, "ready"), WAIT);
            long pid = ready.at("/data/pid").asLong();
            JsonNode listed = api.get("/v1/processes").json().get("processes").get(0);
            assertThat(listed.get("name").asText()).isEqualTo("listener");
            assertThat(listed.get("state").asText()).isEqualTo("ready");
            assertThat(listed.get("pid").asLong()).isEqualTo(pid);

            ProcessHandle.of(pid).orElseThrow().destroyForcibly();
            JsonNode crashed = events.await(e -> state(e, "crashed"), WAIT);
            JsonNode again = events.await(e -> state(e, "ready") && e.get("sequence").asLong()
                    > crashed.get("sequence").asLong(), WAIT);
            assertThat(again.at("/data/pid").asLong()).isNotEqualTo(pid);
            assertThat(again.at("/data/restarts").asInt()).isEqualTo(1);
            assertThat(events.frameIds()).isSorted();

            // Ready means the port answers; the line the listener prints right after binding may still be on its
            // way into the log, so poll for it rather than race it.
            JsonNode logs = Eventually.await("the listener's line in its log", WAIT,
                    () -> api.get("/v1/processes/listener/logs?tail=50").json(),
                    l -> l.get("lines").toString().contains("listening on " + port));
            assertThat(logs.get("lines").findValuesAsText("x")).isEmpty();
            assertThat(logs.get("lines").toString()).contains("listening on " + port).contains("killed by signal 9");
            assertThat(api.get("/v1/processes/nope/logs").status()).isEqualTo(404);

            // follow=true: the tail (read on a worker), then each line as the supervisor writes it
            long tailListening = countOf(logs.get("lines"), "listening on " + port);
            List<String> followed = new java.util.concurrent.CopyOnWriteArrayList<>();
            HttpResponse<java.util.stream.Stream<String>> follow = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(api.base() + "/v1/processes/listener/logs?follow=true&tail=50"))
                            .header("Authorization", "Bearer " + RunningServer.TOKEN).build(),
                    HttpResponse.BodyHandlers.ofLines());
            assertThat(follow.statusCode()).isEqualTo(200);
            Thread reader = new Thread(() -> follow.body().filter(l -> l.startsWith("data: "))
                    .forEach(l -> followed.add(l.substring("data: ".length()))), "follow-reader");
            reader.setDaemon(true);
            reader.start();
            try {
                Eventually.until("the tail of the log on the stream", WAIT,
                        () -> followed.stream().filter(l -> l.contains("listening on " + port)).count()
                                >= tailListening);
                long killedBefore = followed.stream().filter(l -> l.contains("killed by signal 9")).count();
                long current = api.get("/v1/processes").json().get("processes").get(0).get("pid").asLong();
                ProcessHandle.of(current).orElseThrow().destroyForcibly();
                Eventually.until("a line written after the stream opened", WAIT,
                        () -> followed.stream().filter(l -> l.contains("killed by signal 9")).count() > killedBefore);
            } finally {
                follow.body().close();
            }
        }
    }

    private static long countOf(JsonNode lines, String text) {
        long count = 0;
        for (JsonNode line : lines) {
            if (line.asText().contains(text)) {
                count++;
            }
        }
        return count;
    }

    private static boolean state(JsonNode event, String state) {
        return event.get("type").asText().equals("process.state") && event.at("/data/name").asText().equals("listener")
                && event.at("/data/state").asText().equals(state);
    }
}
