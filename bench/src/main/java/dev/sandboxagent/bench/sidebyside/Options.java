package dev.sandboxagent.bench.sidebyside;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The command line of {@link SideBySide}. {@code --quick} shrinks every size (the smoke run of the test suite);
 * the sizes of a full run are the issue's.
 */
record Options(int rounds, boolean quick, Path json, Set<String> only, AnchorSource anchor, Path launcher,
               String oursJavaOpts, int heavyRounds, Sizes sizes) {

    /** Every scenario, in the order a round runs them (the names --only takes). */
    static final List<String> SCENARIOS = List.of("start", "cli", "turns", "parallel", "stream", "latency", "rss",
            "live", "restart");

    /** Where the anchor comes from: npm (a version), a binary already on disk, or nowhere (ours alone). */
    record AnchorSource(String version, Path binary, boolean skip) {
    }

    /** How much each scenario does. */
    record Sizes(long idleSettleMillis, int cliCalls, int warmupTurns, int turns, int parallelSessions,
                 int parallelTurns, int streamDeltas, int streamClients, int latencySessions, int latencyDeltas,
                 int latencyIntervalMillis, List<Integer> liveLevels, int restartEvents) {
        static final Sizes FULL = new Sizes(2_000, 10, 50, 1_000, 50, 20, 200_000, 10, 20, 500, 20,
                List.of(100, 250, 500), 1_000_000);
        static final Sizes QUICK = new Sizes(300, 2, 3, 10, 3, 2, 500, 10, 2, 20, 20, List.of(2, 4), 500);

        Sizes withTurns(int n) {
            return new Sizes(idleSettleMillis, cliCalls, warmupTurns, n, parallelSessions, parallelTurns,
                    streamDeltas, streamClients, latencySessions, latencyDeltas, latencyIntervalMillis, liveLevels,
                    restartEvents);
        }

        Sizes withDeltas(int n) {
            return new Sizes(idleSettleMillis, cliCalls, warmupTurns, turns, parallelSessions, parallelTurns, n,
                    streamClients, latencySessions, latencyDeltas, latencyIntervalMillis, liveLevels, restartEvents);
        }

        Sizes withStreamClients(int n) {
            return new Sizes(idleSettleMillis, cliCalls, warmupTurns, turns, parallelSessions, parallelTurns,
                    streamDeltas, n, latencySessions, latencyDeltas, latencyIntervalMillis, liveLevels, restartEvents);
        }

        Sizes withLive(List<Integer> levels) {
            return new Sizes(idleSettleMillis, cliCalls, warmupTurns, turns, parallelSessions, parallelTurns,
                    streamDeltas, streamClients, latencySessions, latencyDeltas, latencyIntervalMillis,
                    List.copyOf(levels), restartEvents);
        }

        Sizes withRestartEvents(int n) {
            return new Sizes(idleSettleMillis, cliCalls, warmupTurns, turns, parallelSessions, parallelTurns,
                    streamDeltas, streamClients, latencySessions, latencyDeltas, latencyIntervalMillis, liveLevels,
                    n);
        }
    }

    static final String USAGE = String.join("\n",
            "usage: bench/run [options]   (or java -cp ... dev.sandboxagent.bench.sidebyside.SideBySide [options])",
            "  --rounds N            rounds, alternating which server goes first (default 3; --quick: 1)",
            "  --quick               tiny sizes, a few seconds per scenario (the test suite's smoke run)",
            "  --json FILE           where the JSON goes (default: side-by-side.json in java.io.tmpdir)",
            "  --only a,b,...        these scenarios only: " + String.join(",", SCENARIOS),
            "  --no-anchor           ours alone",
            "  --anchor-version V    the anchor's npm version (default 0.4.2)",
            "  --anchor-bin PATH     an anchor binary already on disk instead of npm",
            "  --launcher PATH       our bin/sandbox-agent (default: found from the working directory up)",
            "  --distribution        (bench/run only) the package build's tarball, installed in a temp prefix with",
            "                        dist/install.sh, as our server: what a sandbox runs (its own JDK and AOT cache)",
            "  --ours-java-opts S    JVM flags for our server (SANDBOX_AGENT_JAVA_OPTS): a GC, a heap bound, JFR",
            "  --heavy-rounds N      rounds that also run live and restart (default 1)",
            "  --turns N             sequential turns per round (default 1000)",
            "  --deltas N            deltas of the streaming scenario (default 200000)",
            "  --stream-clients N    clients of the streaming scenario's second part (default 10; 1: one part only)",
            "  --live L1,L2,...      live-session levels (default 100,250,500)",
            "  --restart-events N    events stored before the restart (default 1000000)");

    static Options parse(String... args) {
        Integer rounds = null;
        boolean quick = false;
        Path json = null;
        Set<String> only = new LinkedHashSet<>(SCENARIOS);
        String anchorVersion = "0.4.2";
        Path anchorBinary = null;
        boolean noAnchor = false;
        Path launcher = null;
        String oursJavaOpts = null;
        int heavyRounds = 1;
        Integer turns = null;
        Integer deltas = null;
        Integer streamClients = null;
        List<Integer> live = null;
        Integer restartEvents = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--rounds" -> rounds = positive(arg, value(args, ++i, arg));
                case "--quick" -> quick = true;
                case "--json" -> json = Path.of(value(args, ++i, arg));
                case "--only" -> {
                    only = new LinkedHashSet<>(Arrays.asList(value(args, ++i, arg).split(",")));
                    for (String name : only) {
                        if (!SCENARIOS.contains(name)) {
                            throw new IllegalArgumentException("unknown scenario '" + name + "'; known: "
                                    + String.join(",", SCENARIOS));
                        }
                    }
                }
                case "--no-anchor" -> noAnchor = true;
                case "--anchor-version" -> anchorVersion = value(args, ++i, arg);
                case "--anchor-bin" -> anchorBinary = Path.of(value(args, ++i, arg));
                case "--launcher" -> launcher = Path.of(value(args, ++i, arg));
                case "--ours-java-opts" -> oursJavaOpts = value(args, ++i, arg);
                case "--heavy-rounds" -> heavyRounds = Integer.parseInt(value(args, ++i, arg));
                case "--turns" -> turns = positive(arg, value(args, ++i, arg));
                case "--deltas" -> deltas = positive(arg, value(args, ++i, arg));
                case "--stream-clients" -> streamClients = positive(arg, value(args, ++i, arg));
                case "--live" -> live = Arrays.stream(value(args, ++i, arg).split(","))
                        .map(level -> positive("--live", level)).toList();
                case "--restart-events" -> restartEvents = positive(arg, value(args, ++i, arg));
                case "-h", "--help" -> throw new IllegalArgumentException(USAGE);
                default -> throw new IllegalArgumentException("unknown option '" + arg + "'\n" + USAGE);
            }
        }
        Sizes sizes = quick ? Sizes.QUICK : Sizes.FULL;
        if (turns != null) {
            sizes = sizes.withTurns(turns);
        }
        if (deltas != null) {
            sizes = sizes.withDeltas(deltas);
        }
        if (streamClients != null) {
            sizes = sizes.withStreamClients(streamClients);
        }
        if (live != null) {
            sizes = sizes.withLive(live);
        }
        if (restartEvents != null) {
            sizes = sizes.withRestartEvents(restartEvents);
        }
        if (json == null) {
            json = Path.of(System.getProperty("java.io.tmpdir"), "side-by-side.json");
        }
        if (launcher == null) {
            launcher = findLauncher();
        }
        return new Options(rounds != null ? rounds : quick ? 1 : 3, quick, json, only,
                new AnchorSource(anchorVersion, anchorBinary, noAnchor), launcher, oursJavaOpts, heavyRounds, sizes);
    }

    boolean runs(String scenario) {
        return only.contains(scenario);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static int positive(String option, String text) {
        try {
            int n = Integer.parseInt(text.trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(option + " takes a positive number, not '" + text + "'");
    }

    /** bin/sandbox-agent in the working directory or one of its parents (the bench module's tests run in bench/). */
    private static Path findLauncher() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("bin").resolve("sandbox-agent");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IllegalArgumentException("no bin/sandbox-agent in the working directory or above; pass --launcher");
    }
}
