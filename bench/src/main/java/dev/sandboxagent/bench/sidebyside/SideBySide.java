package dev.sandboxagent.bench.sidebyside;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sandboxagent.bench.sidebyside.Contender.Conversation;
import dev.sandboxagent.bench.sidebyside.Results.Metric;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Our server and the public anchor's own binary, side by side: one run, both servers, alternating which goes
 * first, several rounds, each server fresh (a new data directory, a free loopback port) and stopped by PID. Prints
 * a table (median and min–max of the rounds, ours, anchor, ratio) and writes every sample as JSON. See
 * docs/benchmarks.md for the scenarios and how each figure is taken; {@code --help} for the options.
 */
public final class SideBySide {
    static final Metric START = new Metric("start", "start_to_healthy_ms", "ms", false,
            "process spawn to the first 200 on GET /v1/health (polled 2 ms apart)");
    static final Metric IDLE_RSS = new Metric("start", "idle_rss_mib", "MiB", false,
            "VmRSS of the server process after start and a settle");
    static final Metric CLI = new Metric("cli", "cli_round_trip_ms", "ms", false,
            "one CLI call against the running server, spawn to exit (median of the round's calls)");
    static final Metric TURN_P50 = new Metric("turns", "turn_p50_ms", "ms", false,
            "sequential mock turn, send until its end arrives on the open stream, p50");
    static final Metric TURN_P99 = new Metric("turns", "turn_p99_ms", "ms", false,
            "sequential mock turn, p99");
    static final Metric CPU_PER_TURN = new Metric("turns", "server_cpu_per_turn_ms", "ms", false,
            "utime+stime of the server process over the sequential turns, per turn");
    static final Metric AGENT_CPU_PER_TURN = new Metric("turns", "agent_cpu_per_turn_ms", "ms", false,
            "utime+stime of the server's agent processes over the sequential turns, per turn");
    static final Metric PARALLEL = new Metric("parallel", "parallel_turns_per_s", "turns/s", true,
            "sessions turning at once, each with its stream open: turns per second of wall time");
    static final Metric STREAM_1 = new Metric("stream", "stream_1_client_events_per_s", "events/s", true,
            "one session streaming deltas, persisted and delivered to one SSE client");
    static final Metric STREAM_1_CPU = new Metric("stream", "stream_1_client_server_cpu_us_per_event", "us", false,
            "utime+stime of the server process from the POST to the one client's turn.ended, per event delivered "
                    + "(steadier than events/s on a shared machine)");
    static final Metric STREAM_1_AGENT_CPU = new Metric("stream", "stream_1_client_agent_cpu_us_per_event", "us",
            false, "utime+stime of the server's agent processes (the mock) over the same, per event");
    static final Metric STREAM_N = new Metric("stream", "stream_10_clients_events_per_s", "events/s", true,
            "the same, every event delivered to each of 10 SSE clients (session events per second)");
    static final Metric SQLITE = new Metric("stream", "raw_sqlite_rows_per_s", "rows/s", true,
            "the same number of rows inserted straight with sqlite-jdbc (WAL, synchronous=NORMAL as our store, 1,000 "
                    + "per tx)");
    static final Metric SQLITE_FULL = new Metric("stream", "raw_sqlite_full_rows_per_s", "rows/s", true,
            "the same with synchronous=FULL (a sync at every commit: the store's setting before session 6)");
    static final Metric STREAM_PCT = new Metric("stream", "stream_1_client_pct_of_raw_sqlite", "%", true,
            "stream_1_client_events_per_s as a share of raw_sqlite_rows_per_s of the same round");
    static final Metric STREAM_GAPS = new Metric("stream", "stream_gaps", "frames", false,
            "frames out of sequence over all streaming clients (must be 0)");
    static final Metric RSS_AFTER = new Metric("rss", "rss_after_scenarios_mib", "MiB", false,
            "VmRSS of the server process after the round's scenarios (turns, parallel, streaming, latency)");
    static final Metric LATENCY_P50 = new Metric("latency", "latency_p50_ms", "ms", false,
            "delta's event time (the server took the agent's line) to arrival at an SSE client, p50");
    static final Metric LATENCY_P99 = new Metric("latency", "latency_p99_ms", "ms", false, "the same, p99");
    static final Metric LATENCY_P999 = new Metric("latency", "latency_p999_ms", "ms", false, "the same, p99.9");
    static final Metric AGENT_LATENCY_P50 = new Metric("latency", "agent_write_to_sse_p50_ms", "ms", false,
            "the mock's write of a delta's line (its wall clock in the delta, to the microsecond) to arrival at an SSE "
                    + "client: the PTY hop, parse, store, commit and delivery; p50");
    static final Metric AGENT_LATENCY_P99 = new Metric("latency", "agent_write_to_sse_p99_ms", "ms", false,
            "the same, p99 (the issue's target)");
    static final Metric AGENT_LATENCY_P999 = new Metric("latency", "agent_write_to_sse_p999_ms", "ms", false,
            "the same, p99.9");
    static final Metric LATENCY_RATE = new Metric("latency", "latency_events_per_s", "events/s", true,
            "the delta rate the latency was measured at (all sessions together)");
    static final Metric LATENCY_CLIENT_GC = new Metric("latency", "latency_client_gc_ms", "ms", false,
            "the harness's own GC pauses during the latency scenario (its readers stop: those deltas are timed late)");
    static final Metric LATENCY_CLIENT_GCS = new Metric("latency", "latency_client_gcs", "collections", false,
            "the harness's own collections during the latency scenario");
    static final Metric LATENCY_CLIENT_JIT = new Metric("latency", "latency_client_jit_ms", "ms", false,
            "the harness's own JIT compilation time during the latency scenario (on the same cores as the server)");
    static final Metric RESTART_EVENTS = new Metric("restart", "restart_stored_events", "events", true,
            "events in the store when the server is stopped and started again");
    static final Metric RESTART_HEALTHY = new Metric("restart", "restart_to_healthy_ms", "ms", false,
            "spawn on the full data dir to the first 200 on GET /v1/health");
    static final Metric RESTART_FIRST_EVENT = new Metric("restart", "restart_to_first_replayed_event_ms", "ms",
            false, "spawn to the first event of a stored session arriving on a new SSE stream (offset 0)");
    static final Metric LIVE_GAPS = new Metric("live", "live_streams_with_gaps", "streams", false,
            "live sessions whose stream missed or reordered a frame, over all levels (must be 0)");

    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

    private final Options options;
    private final PrintStream out;
    private final Results results = new Results();
    private final Path scratch;

    private SideBySide(Options options, PrintStream out) throws IOException {
        this.options = options;
        this.out = out;
        this.scratch = Files.createTempDirectory("side-by-side");
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        run(options, System.out);
        System.exit(0);
    }

    /** Runs every scenario of {@code options}, prints the table to {@code out}, writes the JSON; returns it. */
    static Path run(Options options, PrintStream out) throws Exception {
        SideBySide bench = new SideBySide(options, out);
        try {
            return bench.runAll();
        } finally {
            deleteTree(bench.scratch);
        }
    }

    private Path runAll() throws Exception {
        ObjectNode meta = Http.JSON.createObjectNode();
        Instant started = Instant.now();
        meta.put("date", started.toString());
        meta.set("options", Http.JSON.valueToTree(describeOptions()));
        meta.set("machine", machine());
        out.printf("side-by-side: %s, %d cores, java %s, launcher %s%n", started,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), options.launcher());

        OurServer ours = new OurServer(options.launcher(), scratch.resolve("cli-cache"), options.oursJavaOpts());
        AnchorServer anchor = anchor(meta);
        List<Contender> contenders = anchor == null ? List.of(ours) : List.of(ours, anchor);
        results.note("cli", ours.cliDescription() + "; " + (anchor == null ? "anchor: n/a" : anchor.cliDescription()));
        results.note("turn", "ours: POST /v1/sessions/ID/messages '" + OurServer.TURN_MESSAGE + "' until turn.ended "
                + "arrives on the session's SSE stream (5 events, each stored before it is sent); anchor: ACP "
                + "session/prompt to its built-in mock until the response has arrived on the POST and on the "
                + "SSE stream of /v1/acp/ID (its mock echoes; nothing is stored)");

        for (int round = 1; round <= options.rounds(); round++) {
            List<Contender> order = new ArrayList<>(contenders);
            if (round % 2 == 0) {
                java.util.Collections.reverse(order);
            }
            for (Contender contender : order) {
                out.printf("round %d: %s%n", round, contender.key());
                mainRound(contender, round);
            }
            if (round <= options.heavyRounds()) {
                int heavyRound = round;
                if (options.runs("live")) {
                    out.printf("round %d: ours, live sessions%n", round);
                    timed("live", () -> liveSessions(ours, heavyRound));
                }
                if (options.runs("restart")) {
                    out.printf("round %d: ours, restart%n", round);
                    timed("restart", () -> restart(ours, heavyRound));
                }
            }
        }
        meta.put("finished", Instant.now().toString());
        meta.put("loadavgAtEnd", loadAverage());
        out.println();
        results.printTable(out);
        results.writeJson(options.json(), meta);
        out.println("json: " + options.json().toAbsolutePath());
        return options.json();
    }

    private List<String> describeOptions() {
        Options.Sizes s = options.sizes();
        return List.of("rounds=" + options.rounds(), "quick=" + options.quick(), "only=" + options.only(),
                "oursJavaOpts=" + options.oursJavaOpts(), "launcher=" + describeLauncher(),
                "heavyRounds=" + options.heavyRounds(), "sizes=" + s);
    }

    /**
     * Our launcher, and the JDK it starts the server on when it ships one: an installed distribution has its own
     * runtime (lib/runtime beside its bin), a checkout runs on the machine's java. The two start and use memory
     * differently (docs/benchmarks.md "Where we stand"), so a result says which it measured.
     */
    private String describeLauncher() {
        Path launcher = options.launcher().toAbsolutePath();
        try {
            Path release = launcher.toRealPath().getParent().getParent().resolve("lib/runtime/release");
            if (Files.isRegularFile(release)) {
                String version = Files.readAllLines(release).stream()
                        .filter(line -> line.startsWith("JAVA_VERSION="))
                        .map(line -> line.substring("JAVA_VERSION=".length()).replace("\"", ""))
                        .findFirst().orElse("unknown");
                return launcher + " (its own runtime, JDK " + version + ")";
            }
        } catch (IOException | RuntimeException unreadable) {
            return launcher + " (runtime not read: " + unreadable + ")";
        }
        return launcher + " (the machine's java)";
    }

    /** Installs the anchor (or says why not); null when the run is ours alone. */
    private AnchorServer anchor(ObjectNode meta) {
        Options.AnchorSource source = options.anchor();
        ObjectNode node = meta.putObject("anchor");
        if (source.skip()) {
            node.put("available", false);
            node.put("reason", "--no-anchor");
            out.println("anchor: not run (--no-anchor)");
            return null;
        }
        try {
            AnchorServer anchor = source.binary() != null ? AnchorServer.of(source.binary())
                    : AnchorServer.install(source.version(), scratch.resolve("anchor-npm"));
            node.put("available", true);
            node.put("package", AnchorServer.PACKAGE);
            node.put("version", anchor.version());
            out.printf("anchor: %s %s (%s)%n", AnchorServer.PACKAGE, anchor.version(), anchor.binary());
            return anchor;
        } catch (IOException | InterruptedException e) {
            node.put("available", false);
            node.put("reason", e.getMessage());
            out.println("anchor: unavailable (" + e.getMessage() + ")");
            results.note("anchor", "unavailable (" + e.getMessage() + ")");
            return null;
        }
    }

    /**
     * A server's data directory, made 0700 as a server makes its own: one made with the default umask (0755) is
     * repaired by the server at its start, work a real installation's start does not do and the start figure
     * must not include.
     */
    private Path freshDataDir(String name) throws IOException {
        return Files.createDirectory(scratch.resolve(name),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    // ---- one server, fresh, through the main scenarios ----

    private void mainRound(Contender contender, int round) throws Exception {
        String key = contender.key();
        Path dataDir = freshDataDir("r" + round + "-" + key);
        try (ServerProcess server = contender.spawn(dataDir, ServerProcess.freePort(), scratch)) {
            double startMillis = server.awaitHealthy(120_000);
            out.printf("  healthy after %.0f ms%n", startMillis);
            contender.prepare(server);
            if (options.runs("start")) {
                results.add(key, START, startMillis);
                Thread.sleep(options.sizes().idleSettleMillis());
                results.add(key, IDLE_RSS, server.rssKib() / 1024.0);
            }
            if (options.runs("cli")) {
                timed("cli", () -> cliRoundTrips(contender, server));
            }
            if (options.runs("turns")) {
                timed("turns", () -> sequentialTurns(contender, server));
            }
            if (options.runs("parallel")) {
                timed("parallel", () -> parallelTurns(contender, server));
            }
            if (contender instanceof OurServer) {
                if (options.runs("stream")) {
                    timed("stream", () -> streaming(server, round));
                }
                if (options.runs("latency")) {
                    timed("latency", () -> latency(server));
                }
            }
            if (options.runs("rss")) {
                results.add(key, RSS_AFTER, server.rssKib() / 1024.0);
            }
        } finally {
            deleteTree(dataDir);
        }
    }

    private void cliRoundTrips(Contender contender, ServerProcess server) throws Exception {
        List<String> command = contender.cliCommand(server);
        cli(contender, command); // untimed: our launcher trains its class-data archive on the first call
        double[] millis = new double[options.sizes().cliCalls()];
        for (int i = 0; i < millis.length; i++) {
            millis[i] = cli(contender, command);
        }
        Arrays.sort(millis);
        results.add(contender.key(), CLI, millis[millis.length / 2]);
    }

    private double cli(Contender contender, List<String> command) throws IOException, InterruptedException {
        Path output = scratch.resolve("cli.out");
        ProcessBuilder builder = new ProcessBuilder(command).directory(scratch.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile());
        contender.cliEnvironment(builder.environment());
        long start = System.nanoTime();
        Process process = builder.start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + ": no exit in 60 s");
        }
        double millis = (System.nanoTime() - start) / 1e6;
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + process.exitValue() + ": "
                    + Files.readString(output));
        }
        return millis;
    }

    private void sequentialTurns(Contender contender, ServerProcess server) throws Exception {
        Options.Sizes sizes = options.sizes();
        try (Conversation conversation = contender.open(server, "seq")) {
            for (int i = 0; i < sizes.warmupTurns(); i++) {
                conversation.turn();
            }
            double cpuBefore = server.cpuMillis();
            double agentBefore = server.descendantsCpuMillis();
            Map<String, Double> threadsBefore = server.threadCpuMillis();
            long[] nanos = new long[sizes.turns()];
            for (int i = 0; i < nanos.length; i++) {
                long start = System.nanoTime();
                conversation.turn();
                nanos[i] = System.nanoTime() - start;
            }
            double cpu = server.cpuMillis() - cpuBefore;
            double agent = server.descendantsCpuMillis() - agentBefore;
            printThreadCpu(contender.key() + ", sequential turns, server CPU us/turn by thread:", threadsBefore,
                    server.threadCpuMillis(), nanos.length, cpu);
            Arrays.sort(nanos);
            results.add(contender.key(), TURN_P50, percentile(nanos, 0.50) / 1e6);
            results.add(contender.key(), TURN_P99, percentile(nanos, 0.99) / 1e6);
            results.add(contender.key(), CPU_PER_TURN, cpu / nanos.length);
            results.add(contender.key(), AGENT_CPU_PER_TURN, agent / nanos.length);
            requireNoGaps(conversation.gaps(), "sequential turns");
        }
    }

    private void parallelTurns(Contender contender, ServerProcess server) throws Exception {
        Options.Sizes sizes = options.sizes();
        int sessions = sizes.parallelSessions();
        ExecutorService pool = Executors.newFixedThreadPool(sessions);
        List<Conversation> conversations = new ArrayList<>();
        try {
            List<Future<Conversation>> opening = new ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                String id = "par-" + i;
                opening.add(pool.submit(() -> {
                    Conversation conversation = contender.open(server, id);
                    conversation.turn(); // warm-up
                    return conversation;
                }));
            }
            for (Future<Conversation> future : opening) {
                conversations.add(future.get());
            }
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> running = new ArrayList<>();
            for (Conversation conversation : conversations) {
                running.add(pool.submit(() -> {
                    go.await();
                    for (int t = 0; t < sizes.parallelTurns(); t++) {
                        conversation.turn();
                    }
                    return null;
                }));
            }
            long start = System.nanoTime();
            go.countDown();
            for (Future<?> future : running) {
                future.get();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            results.add(contender.key(), PARALLEL, sessions * (double) sizes.parallelTurns() / seconds);
            requireNoGaps(conversations.stream().mapToLong(Conversation::gaps).sum(), "parallel sessions");
        } finally {
            conversations.forEach(Conversation::close);
            pool.shutdownNow();
        }
        results.note("parallel", sessions + " sessions x " + sizes.parallelTurns() + " turns each, after one "
                + "warm-up turn each");
    }

    // ---- ours only ----

    private void streaming(ServerProcess server, int round) throws Exception {
        Options.Sizes sizes = options.sizes();
        int port = server.port();
        long gaps = 0;
        double oneClient = 0;
        int[] parts = sizes.streamClients() > 1 ? new int[] {1, sizes.streamClients()} : new int[] {1};
        for (int clients : parts) {
            String id = "stream-" + clients;
            long offset = OurServer.createSession(port, id);
            List<OurStream> streams = new ArrayList<>();
            try {
                for (int c = 0; c < clients; c++) {
                    streams.add(new OurStream(port, id, offset, null));
                }
                double cpuBefore = server.cpuMillis();
                double agentBefore = server.descendantsCpuMillis();
                Map<String, Double> threadsBefore = server.threadCpuMillis();
                long start = System.nanoTime();
                OurServer.send(port, id, "stream " + sizes.streamDeltas() + " 0");
                for (OurStream stream : streams) {
                    stream.awaitTurnEnded(900);
                }
                long end = streams.stream().mapToLong(OurStream::lastTurnEndedNanos).max().orElseThrow();
                Map<String, Double> threadsAfter = server.threadCpuMillis();
                double cpuMicros = (server.cpuMillis() - cpuBefore) * 1000;
                double agentMicros = (server.descendantsCpuMillis() - agentBefore) * 1000;
                double rate = streams.get(0).events() / ((end - start) / 1e9);
                gaps += streams.stream().mapToLong(OurStream::gaps).sum();
                for (OurStream stream : streams) {
                    if (stream.events() != streams.get(0).events()) {
                        gaps++; // a client that did not receive every event
                    }
                }
                if (clients == 1) {
                    oneClient = rate;
                    results.add(Results.OURS, STREAM_1, rate);
                    results.add(Results.OURS, STREAM_1_CPU, cpuMicros / streams.get(0).events());
                    printThreadCpu("  stream, 1 client, server CPU us/event by thread:", threadsBefore, threadsAfter,
                            streams.get(0).events(), cpuMicros / 1000);
                    results.add(Results.OURS, STREAM_1_AGENT_CPU, agentMicros / streams.get(0).events());
                } else {
                    results.add(Results.OURS, STREAM_N, rate);
                }
            } finally {
                streams.forEach(OurStream::close);
            }
            // The session stays (its data dir goes with the run). Deleting it here removed its 200k events in the
            // background since session 12 (SessionRemover: chunks that take the store's writer about half its time
            // for ~13 s), so the 10-client stream, raw SQLite and latency scenarios after it measured a removal
            // too; the old one-transaction delete did all of it inside this call. DeleteStallBench measures a
            // delete's cost (docs/benchmarks.md "Deleting a session without stalling the others, session 12").
        }
        double sqlite = RawSqlite.insertRate(scratch.resolve("raw-sqlite-" + round), sizes.streamDeltas(),
                RawSqlite.Sync.NORMAL);
        results.add(Results.OURS, SQLITE, sqlite);
        results.add(Results.OURS, SQLITE_FULL, RawSqlite.insertRate(scratch.resolve("raw-sqlite-full-" + round),
                sizes.streamDeltas(), RawSqlite.Sync.FULL));
        results.add(Results.OURS, STREAM_PCT, 100 * oneClient / sqlite);
        results.add(Results.OURS, STREAM_GAPS, gaps);
        results.note("stream", "ours: the mock's 'stream " + sizes.streamDeltas() + " 0' (one message); wall time "
                + "from the POST until the last client has turn.ended; anchor: n/a (its mock has no streaming)");
    }

    /**
     * The server's CPU per operation (an event of the one-client stream, a sequential turn) by thread, for the log
     * only: where a change goes. Threads under 0.05 us an operation are left out. {@code processMillis} is the
     * process's CPU over the same window: what it has beyond the live threads' sum is printed as "exited", the
     * CPU of threads that ended in the window, which /proc keeps in the process's total but no longer lists (the
     * JVM retires an idle extra C1 compiler thread, so the JIT's work in a 1,000-turn run was in the total but
     * missing from the split in about half of the runs: docs/benchmarks.md "Turn cost, session 14").
     */
    private void printThreadCpu(String title, Map<String, Double> before, Map<String, Double> after, long events,
                                double processMillis) {
        StringBuilder line = new StringBuilder(title.startsWith(" ") ? title : "  " + title);
        Map<String, Double> spent = new java.util.HashMap<>();
        // keyed "tid name": a thread's own difference, then summed by name
        after.forEach((thread, millis) -> spent.merge(thread.substring(thread.indexOf(' ') + 1),
                millis - before.getOrDefault(thread, 0.0), Double::sum));
        spent.merge("exited", processMillis - spent.values().stream().mapToDouble(Double::doubleValue).sum(),
                Double::sum);
        spent.entrySet().stream()
                .filter(e -> e.getValue() * 1000 / events >= 0.05)
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> line.append(String.format(" %s %.2f;", e.getKey(), e.getValue() * 1000 / events)));
        out.println(line);
    }

    private void latency(ServerProcess server) throws Exception {
        Options.Sizes sizes = options.sizes();
        int port = server.port();
        int sessions = sizes.latencySessions();
        List<OurStream> streams = new ArrayList<>();
        List<long[]> perSession = new ArrayList<>();
        List<long[]> fromAgentPerSession = new ArrayList<>();
        try {
            for (int i = 0; i < sessions; i++) {
                String id = "lat-" + i;
                long offset = OurServer.createSession(port, id);
                long[] latencies = new long[sizes.latencyDeltas()];
                long[] fromAgent = new long[sizes.latencyDeltas()];
                int[] count = new int[1];
                perSession.add(latencies);
                fromAgentPerSession.add(fromAgent);
                streams.add(new OurStream(port, id, offset, (fromEventTime, fromAgentWrite) -> {
                    if (count[0] < latencies.length) {
                        latencies[count[0]] = fromEventTime;
                        fromAgent[count[0]++] = fromAgentWrite;
                    }
                }));
            }
            ClientPauses.collectBeforeMeasuring();
            ClientPauses before = ClientPauses.now();
            long start = System.nanoTime();
            for (int i = 0; i < sessions; i++) {
                OurServer.send(port, "lat-" + i,
                        "stream " + sizes.latencyDeltas() + " " + sizes.latencyIntervalMillis() + " stamped");
            }
            for (OurStream stream : streams) {
                stream.awaitTurnEnded(600);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            ClientPauses client = ClientPauses.now().since(before);
            long[] all = perSession.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            results.add(Results.OURS, LATENCY_P50, percentile(all, 0.50) / 1000.0);
            results.add(Results.OURS, LATENCY_P99, percentile(all, 0.99) / 1000.0);
            results.add(Results.OURS, LATENCY_P999, percentile(all, 0.999) / 1000.0);
            long[] fromAgent = fromAgentPerSession.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            if (fromAgent.length == 0 || fromAgent[0] < 0) {
                throw new IOException("a delta without the mock's stamp: is the server's mock older than "
                        + "'stream <n> <ms> stamped'?");
            }
            results.add(Results.OURS, AGENT_LATENCY_P50, percentile(fromAgent, 0.50) / 1000.0);
            results.add(Results.OURS, AGENT_LATENCY_P99, percentile(fromAgent, 0.99) / 1000.0);
            results.add(Results.OURS, AGENT_LATENCY_P999, percentile(fromAgent, 0.999) / 1000.0);
            results.add(Results.OURS, LATENCY_RATE, sessions * (double) sizes.latencyDeltas() / seconds);
            results.add(Results.OURS, LATENCY_CLIENT_GC, client.collectionMillis());
            results.add(Results.OURS, LATENCY_CLIENT_GCS, client.collections());
            results.add(Results.OURS, LATENCY_CLIENT_JIT, client.compileMillis());
            requireNoGaps(streams.stream().mapToLong(OurStream::gaps).sum(), "latency sessions");
        } finally {
            streams.forEach(OurStream::close);
        }
        results.note("latency", sessions + " sessions each 'stream " + sizes.latencyDeltas() + " "
                + sizes.latencyIntervalMillis() + " stamped' at once ("
                + (sessions * 1000 / sizes.latencyIntervalMillis())
                + " deltas/s offered, each delta stamped by the mock with its wall clock); agent_write_to_sse_*: "
                + "arrival time minus the mock's stamp (microseconds: the PTY hop, parse, store, commit and "
                + "delivery); latency_*: arrival time minus the event's time, which the server stamps when it takes "
                + "the agent's line (millisecond resolution, so 0-1 ms more, and without the PTY hop)");
    }

    private void liveSessions(OurServer ours, int round) throws Exception {
        Options.Sizes sizes = options.sizes();
        Path dataDir = freshDataDir("live-" + round);
        List<OurStream> streams = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (ServerProcess server = ours.spawn(dataDir, ServerProcess.freePort(), scratch)) {
            server.awaitHealthy(120_000);
            int port = server.port();
            Thread.sleep(sizes.idleSettleMillis());
            long heapBase = heapUsedKib(server);
            long threadsBase = server.threads();
            long rssBase = server.rssKib();
            int created = 0;
            for (int level : sizes.liveLevels()) {
                List<Future<OurStream>> opening = new ArrayList<>();
                for (int i = created; i < level; i++) {
                    String id = "live-" + i;
                    opening.add(pool.submit(() -> {
                        long offset = OurServer.createSession(port, id);
                        OurStream stream = new OurStream(port, id, offset, null);
                        OurServer.send(port, id, OurServer.TURN_MESSAGE);
                        stream.awaitTurnEnded(300);
                        return stream;
                    }));
                }
                for (Future<OurStream> future : opening) {
                    streams.add(future.get());
                }
                created = level;
                Thread.sleep(sizes.idleSettleMillis());
                long heap = heapUsedKib(server);
                String prefix = "live_" + level + "_";
                results.add(Results.OURS, new Metric("live", prefix + "rss_mib", "MiB", false,
                        level + " live idle mock sessions, each with its stream open: server VmRSS"), server.rssKib()
                        / 1024.0);
                results.add(Results.OURS, new Metric("live", prefix + "rss_kib_per_session", "KiB", false,
                        "(VmRSS - VmRSS with no session) / sessions"), (server.rssKib() - rssBase) / (double) level);
                if (heap >= 0 && heapBase >= 0) {
                    results.add(Results.OURS, new Metric("live", prefix + "heap_kib_per_session", "KiB", false,
                            "(heap used after a full GC - the same with no session) / sessions (jcmd GC.heap_info)"),
                            (heap - heapBase) / (double) level);
                }
                results.add(Results.OURS, new Metric("live", prefix + "threads_per_session", "threads", false,
                        "(server threads - threads with no session) / sessions"),
                        (server.threads() - threadsBase) / (double) level);
            }
            // every session turns once more, all at once: each stream must get its turn whole and in order
            List<Future<?>> turning = new ArrayList<>();
            for (int i = 0; i < streams.size(); i++) {
                OurStream stream = streams.get(i);
                String id = "live-" + i;
                turning.add(pool.submit(() -> {
                    OurServer.send(port, id, OurServer.TURN_MESSAGE);
                    stream.awaitTurnEnded(300);
                    return null;
                }));
            }
            for (Future<?> future : turning) {
                future.get();
            }
            results.add(Results.OURS, LIVE_GAPS, streams.stream().filter(s -> s.gaps() > 0).count());
        } finally {
            streams.forEach(OurStream::close);
            pool.shutdownNow();
            deleteTree(dataDir);
        }
        results.note("live", "sessions created 4 at a time, each with one mock turn and its SSE stream kept open; "
                + "measured after a settle; then every session turns once more at the same time and every "
                + "stream is checked for gaps; anchor: n/a");
    }

    /** Heap in use after a full GC, from {@code jcmd PID GC.heap_info}; -1 when jcmd is not at hand or not read. */
    private long heapUsedKib(ServerProcess server) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (!Files.isExecutable(jcmd)) {
            results.note("heap", "no jcmd in " + jcmd.getParent() + ": heap per session not measured");
            return -1;
        }
        String pid = Long.toString(server.pid());
        runQuietly(List.of(jcmd.toString(), pid, "GC.run"));
        String info = runQuietly(List.of(jcmd.toString(), pid, "GC.heap_info"));
        long used = 0;
        boolean read = false;
        for (String line : info.lines().toList()) {
            String trimmed = line.trim();
            // the heap's own lines (G1: "garbage-first heap"; Serial and Parallel: one line per generation, named
            // "def new generation" and "tenured generation" on JDK 17, "DefNew" and "Tenured" on JDK 25, the
            // distribution's runtime), not Metaspace or region details
            boolean heapLine = trimmed.startsWith("garbage-first heap") || trimmed.contains("generation")
                    || trimmed.startsWith("DefNew") || trimmed.startsWith("Tenured")
                    || trimmed.startsWith("PSYoungGen") || trimmed.startsWith("ParOldGen");
            Matcher matcher = HEAP_USED.matcher(trimmed);
            if (heapLine && matcher.find()) {
                used += Long.parseLong(matcher.group(1));
                read = true;
                if (trimmed.startsWith("garbage-first heap")) {
                    break;
                }
            }
        }
        if (!read) {
            // a figure of 0 would read as "no heap per session"; say it was not measured instead
            results.note("heap", "GC.heap_info of the server not understood: heap per session not measured");
            return -1;
        }
        return used;
    }

    private void restart(OurServer ours, int round) throws Exception {
        Options.Sizes sizes = options.sizes();
        Path dataDir = freshDataDir("restart-" + round);
        int sessions = Math.max(1, Math.min(5, sizes.restartEvents() / 200_000));
        int deltas = sizes.restartEvents() / sessions;
        long stored = 0;
        try {
            try (ServerProcess server = ours.spawn(dataDir, ServerProcess.freePort(), scratch)) {
                server.awaitHealthy(120_000);
                int port = server.port();
                for (int i = 0; i < sessions; i++) {
                    OurServer.createSession(port, "big-" + i);
                    OurServer.send(port, "big-" + i, "stream " + deltas + " 0");
                }
                for (int i = 0; i < sessions; i++) {
                    stored += awaitTurnStored(port, "big-" + i, 1800);
                }
            } // stopped with TERM: a clean stop, as a restart would be
            try (ServerProcess server = ours.spawn(dataDir, ServerProcess.freePort(), scratch)) {
                double healthy = server.awaitHealthy(120_000);
                CountDownLatch first = new CountDownLatch(1);
                long[] firstNanos = new long[1];
                try (SseStream stream = new SseStream(server.port(), "/v1/sessions/big-0/events/sse?offset=0",
                        (id, data) -> {
                            if (first.getCount() > 0) {
                                firstNanos[0] = System.nanoTime();
                                first.countDown();
                            }
                        })) {
                    if (!first.await(120, TimeUnit.SECONDS)) {
                        throw new IOException("no replayed event within 120 s after the restart");
                    }
                }
                results.add(Results.OURS, RESTART_EVENTS, stored);
                results.add(Results.OURS, RESTART_HEALTHY, healthy);
                results.add(Results.OURS, RESTART_FIRST_EVENT, server.millisSinceSpawn(firstNanos[0]));
            }
        } finally {
            deleteTree(dataDir);
        }
        results.note("restart", sessions + " sessions x 'stream " + deltas + " 0' stored, the server stopped (TERM) "
                + "and started on the same data dir; anchor: n/a (it stores no events)");
    }

    /**
     * Polls a session until its last stored event is a turn.ended; returns its event count. (Not runningTurnId:
     * it clears when the agent ends the turn, while events can still be on their way to the store.)
     */
    private static long awaitTurnStored(int port, String id, long timeoutSeconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (System.nanoTime() < deadline) {
            long count = Http.get(port, "/v1/sessions/" + id).path("eventCount").asLong();
            String lastEvent = "/v1/sessions/" + id + "/events?offset=" + Math.max(0, count - 1) + "&limit=1";
            var last = Http.get(port, lastEvent).path("events").path(0);
            if (dev.sandboxagent.schema.EventType.TURN_ENDED.is(last.path("type").asText())) {
                return count;
            }
            Thread.sleep(200);
        }
        throw new IOException("session " + id + " still turning after " + timeoutSeconds + " s");
    }

    // ---- helpers ----

    private interface Step {
        void run() throws Exception;
    }

    /**
     * Runs a scenario and says how long it took (progress on a run that lasts many minutes). A scenario that fails
     * is reported (printed, and as a "failed" note in the table and the JSON) and the run goes on: one broken
     * scenario must not lose the figures of the others.
     */
    private void timed(String scenario, Step step) {
        long start = System.nanoTime();
        try {
            step.run();
            out.printf("  %s: %.1f s%n", scenario, (System.nanoTime() - start) / 1e9);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            out.printf("  %s: FAILED after %.1f s: %s%n", scenario, (System.nanoTime() - start) / 1e9, e);
            results.note(scenario + " failed", String.valueOf(e));
        }
    }

    private static void requireNoGaps(long gaps, String where) {
        if (gaps != 0) {
            throw new IllegalStateException(where + ": " + gaps + " frames out of sequence or a broken stream");
        }
    }

    private static long percentile(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private String runQuietly(List<String> command) throws IOException, InterruptedException {
        Path output = scratch.resolve("cmd.out");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
                .start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + ": no exit in 60 s");
        }
        return Files.readString(output);
    }

    private static ObjectNode machine() {
        ObjectNode node = Http.JSON.createObjectNode();
        node.put("cores", Runtime.getRuntime().availableProcessors());
        node.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        node.put("benchJava", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        node.put("cpu", procLine("/proc/cpuinfo", "model name"));
        node.put("memTotal", procLine("/proc/meminfo", "MemTotal"));
        node.put("loadavgAtStart", loadAverage());
        return node;
    }

    private static String procLine(String file, String prefix) {
        try (Stream<String> lines = Files.lines(Path.of(file))) {
            return lines.filter(l -> l.startsWith(prefix)).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
        } catch (IOException e) {
            return "?";
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
