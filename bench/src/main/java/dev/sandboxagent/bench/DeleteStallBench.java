package dev.sandboxagent.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.sandboxagent.store.EventDraft;
import dev.sandboxagent.store.SessionSpec;
import dev.sandboxagent.store.SessionStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * How long a live session's commits stall while another session with many events is deleted: the store alone, a
 * fresh store per run. A "big" session gets N events (item.delta drafts of the mock's shape, appended 2,000 at a
 * time), then a "live" session appends one event about every millisecond and waits for its commit, as an agent's
 * stream does; after 2 s of that, {@code delete("big")} is called, and the live appends go on until the big session's
 * events are gone from the file (polled on a connection of the bench's own, so the same bench runs against a build
 * that deletes in one transaction) and 1 s more. Prints the delete call's wall time, the time until the events were
 * gone, and the live session's append-to-commit latencies before and during the removal (p50, p99, max) and its
 * longest gap between two commits, plus the largest WAL seen.
 *
 * <p>Usage: {@code DeleteStallBench [events]} (default 1,000,000). To compare two builds, put either tree's
 * session-store and event-schema jars on the class path (the bench uses the public store API only).
 */
public final class DeleteStallBench {
    private static final int FILL_BATCH = 2_000;

    private DeleteStallBench() {
    }

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path dir = Files.createTempDirectory("delete-stall-bench");
        try {
            run(dir, events);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void run(Path dir, int events) throws Exception {
        Path wal = dir.resolve("sessions.db-wal");
        try (SessionStore store = SessionStore.openSqlite(dir);
             Connection file = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("sessions.db"))) {
            store.create(spec("big"));
            long fillStart = System.nanoTime();
            for (int done = 0; done < events; done += FILL_BATCH) {
                List<EventDraft> batch = new ArrayList<>(FILL_BATCH);
                for (int i = done; i < Math.min(done + FILL_BATCH, events); i++) {
                    batch.add(delta(i));
                }
                store.append("big", batch).join();
            }
            System.out.printf("filled %,d events in %.1f s; database %,d MB%n", events,
                    (System.nanoTime() - fillStart) / 1e9, Files.size(dir.resolve("sessions.db")) / 1_000_000);
            Thread.sleep(2_000); // the checkpointer copies the fill's WAL into the file

            store.create(spec("live"));
            LiveAppends live = new LiveAppends(store);
            Thread liveThread = new Thread(live, "live-session");
            liveThread.start();
            Thread.sleep(2_000);

            AtomicLong largestWal = new AtomicLong();
            AtomicBoolean watching = new AtomicBoolean(true);
            Thread walWatch = new Thread(() -> {
                while (watching.get()) {
                    try {
                        largestWal.accumulateAndGet(Files.exists(wal) ? Files.size(wal) : 0, Math::max);
                    } catch (java.io.IOException ignored) {
                        // the WAL is truncated and recreated: next sample
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
                }
            }, "wal-watch");
            walWatch.start();

            long deleteStart = System.nanoTime();
            store.delete("big");
            long deleteReturned = System.nanoTime();
            while (anyLeft(file)) {
                Thread.sleep(20);
            }
            long gone = System.nanoTime();
            Thread.sleep(1_000);
            live.stop();
            liveThread.join();
            watching.set(false);
            walWatch.join();

            System.out.printf("delete(): %.1f ms; events gone after %.1f ms; largest WAL %,d KB; load %s%n",
                    (deleteReturned - deleteStart) / 1e6, (gone - deleteStart) / 1e6, largestWal.get() / 1024,
                    Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
            System.out.println("live session before the delete: " + live.summary(Long.MIN_VALUE, deleteStart, true));
            System.out.println("live session while removing:    " + live.summary(deleteStart, gone, false));
        }
    }

    private static boolean anyLeft(Connection file) throws SQLException {
        try (Statement statement = file.createStatement();
             ResultSet rs = statement.executeQuery("SELECT 1 FROM events WHERE session_id = 'big' LIMIT 1")) {
            return rs.next();
        }
    }

    private static SessionSpec spec(String id) {
        return new SessionSpec(id, "mock", "build", "default", null, null, "/work/project", null);
    }

    /** What the mock's streamed deltas store: a small data object and the agent's line as raw. */
    private static EventDraft delta(int i) {
        ObjectNode data = JsonNodeFactory.instance.objectNode().put("item_id", "msg_1_2").put("delta", i + " ");
        return new EventDraft("item.delta", "agent", false, data, TextNode.valueOf("DELTA msg_1_2 " + i + " "),
                "mock-1796135754952338-9857");
    }

    /** One append about every millisecond, each waited for: its commit time and latency recorded. */
    private static final class LiveAppends implements Runnable {
        private final SessionStore store;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<long[]> commits = new ArrayList<>(); // {committedAt, latency, startedAt}; read after join

        LiveAppends(SessionStore store) {
            this.store = store;
        }

        void stop() {
            running.set(false);
        }

        @Override
        public void run() {
            int i = 0;
            while (running.get()) {
                long start = System.nanoTime();
                store.append("live", List.of(delta(i++))).join();
                long end = System.nanoTime();
                commits.add(new long[] {end, end - start, start});
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
        }

        /**
         * Latencies of the appends started in [from, to), and the longest gap between two commits that ends after
         * {@code from} and begins before {@code to} (with {@code before}, that ends by {@code to}: the gap over the
         * delete's start belongs to the delete).
         */
        String summary(long from, long to, boolean before) {
            long[] latencies = commits.stream().filter(c -> c[2] >= from && c[2] < to).mapToLong(c -> c[1])
                    .sorted().toArray();
            long longestGap = 0;
            long previous = 0;
            for (long[] commit : commits) {
                if (previous != 0 && commit[0] > from && previous < to && (!before || commit[0] <= to)) {
                    longestGap = Math.max(longestGap, commit[0] - previous);
                }
                previous = commit[0];
            }
            if (latencies.length == 0) {
                return "no appends";
            }
            long over10 = Arrays.stream(latencies).filter(l -> l > 10_000_000).count();
            long over50 = Arrays.stream(latencies).filter(l -> l > 50_000_000).count();
            return String.format("%,d appends; append-to-commit p50 %.2f ms, p99 %.2f ms, max %.1f ms, %d over 10 ms,"
                            + " %d over 50 ms; longest gap between commits %.1f ms", latencies.length,
                    at(latencies, 0.5) / 1e6, at(latencies, 0.99) / 1e6,
                    Arrays.stream(latencies).max().orElse(0) / 1e6, over10, over50, longestGap / 1e6);
        }

        private static long at(long[] sorted, double quantile) {
            return sorted[Math.min(sorted.length - 1, (int) Math.floor(quantile * sorted.length))];
        }
    }
}
