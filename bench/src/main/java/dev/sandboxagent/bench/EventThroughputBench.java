package dev.sandboxagent.bench;

import static dev.sandboxagent.schema.EventType.TURN_ENDED;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandboxagent.server.SandboxAgentServer;
import dev.sandboxagent.server.ServerConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * End-to-end event throughput: N sessions of the mock agent stream D deltas each, at once, through the real
 * server (PTY, parser, SQLite group commit, hub, SSE) to N SSE clients on loopback. Reports events per second and
 * the latency from an event's store time to its arrival at the client. Run:
 *
 * <pre>java -cp bench/target/bench.jar:... dev.sandboxagent.bench.EventThroughputBench [sessions] [deltas] [rounds]</pre>
 *
 * (see docs/benchmarks.md for the exact command).
 */
public final class EventThroughputBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private EventThroughputBench() {
    }

    record SessionResult(long events, long[] latenciesMicros, long millis) {
    }

    public static void main(String[] args) throws Exception {
        int sessions = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int deltas = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Path dataDir = Files.createTempDirectory("bench-data");
        ServerConfig config = new ServerConfig("127.0.0.1", 0, null, dataDir, 1024 * 1024,
                Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin")));
        try (SandboxAgentServer server = SandboxAgentServer.start(config)) {
            String base = "http://127.0.0.1:" + server.port();
            System.out.printf("sessions=%d deltas/session=%d rounds=%d java=%s cores=%d%n", sessions, deltas, rounds,
                    System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
            for (int round = 0; round <= rounds; round++) {
                runRound(base, "r" + round, sessions, deltas, round == 0);
            }
        }
    }

    private static void runRound(String base, String prefix, int sessions, int deltas, boolean warmup)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(sessions);
        try {
            for (int i = 0; i < sessions; i++) {
                post(base + "/v1/sessions/" + prefix + "-" + i, "{\"agent\":\"mock\"}");
            }
            long start = System.nanoTime();
            List<Future<SessionResult>> results = new ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                String id = prefix + "-" + i;
                results.add(pool.submit(() -> streamOneTurn(base, id, deltas)));
            }
            long events = 0;
            List<long[]> latencies = new ArrayList<>();
            for (Future<SessionResult> f : results) {
                SessionResult r = f.get();
                events += r.events();
                latencies.add(r.latenciesMicros());
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long[] all = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            System.out.printf("%s events=%d wall=%.2fs throughput=%.0f events/s latency p50=%.1fms p99=%.1fms "
                            + "max=%.1fms%n", warmup ? "warmup" : "round ", events, seconds, events / seconds,
                    percentile(all, 0.50) / 1000.0, percentile(all, 0.99) / 1000.0, all[all.length - 1] / 1000.0);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Opens the session's stream, starts the turn, reads until its turn.ended. */
    private static SessionResult streamOneTurn(String base, String id, int deltas) throws Exception {
        HttpResponse<Stream<String>> sse = HTTP.send(HttpRequest.newBuilder(
                        URI.create(base + "/v1/sessions/" + id + "/events/sse")).GET().build(),
                HttpResponse.BodyHandlers.ofLines());
        long started = System.nanoTime();
        post(base + "/v1/sessions/" + id + "/messages", "{\"message\":\"stream " + deltas + "\"}");
        long events = 0;
        long[] latencies = new long[deltas + 16];
        int n = 0;
        try (Stream<String> lines = sse.body()) {
            Iterator<String> it = lines.iterator();
            while (it.hasNext()) {
                String line = it.next();
                if (!line.startsWith("data: ")) {
                    continue;
                }
                long arrived = System.currentTimeMillis();
                JsonNode event = JSON.readTree(line.substring(6));
                events++;
                long stored = Instant.parse(event.get("time").asText()).toEpochMilli();
                if (n < latencies.length) {
                    latencies[n++] = Math.max(0, arrived - stored) * 1000;
                }
                if (TURN_ENDED.is(event.get("type").asText())) {
                    break;
                }
            }
        }
        return new SessionResult(events, Arrays.copyOf(latencies, n), (System.nanoTime() - started) / 1_000_000);
    }

    private static double percentile(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
    }

    private static void post(String url, String body) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) {
            throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
        }
    }
}
