package dev.sandboxagent.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.pty4j.PtyProcess;
import com.pty4j.PtyProcessBuilder;
import dev.sandboxagent.agents.pty.LineReader;
import dev.sandboxagent.agents.pty.TerminalProcess;
import dev.sandboxagent.store.EventDraft;
import dev.sandboxagent.store.SessionSpec;
import dev.sandboxagent.store.SessionStore;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * The floor of each part of a mock turn, measured alone in one JVM, so that the server's CPU per turn
 * (docs/benchmarks.md "Turn cost, session 10") can be set against what its parts cost at the least on this machine:
 *
 * <ul>
 *   <li>{@code sqlite}: one transaction of 5 event-sized rows through sqlite-jdbc on the caller's thread (WAL,
 *   {@code synchronous=NORMAL}, as the store opens its file), no store around it, a one-row INSERT batched per row
 *   ({@code addBatch}, {@code executeBatch}) as the store runs a short run; {@code sqlite-1} the same rows in one
 *   multi-row INSERT (fewer JNI crossings a commit; tried in the store in session 10 and taken back: no cheaper
 *   there, docs/benchmarks.md "Turn cost, session 10");</li>
 *   <li>{@code store}: {@code SessionStore.append} of 5 events and the wait for its commit (the store's writer
 *   thread: the encode, the commit, the hand-off back);</li>
 *   <li>{@code pty-raw}: a 30-byte line written to {@code cat} under a pty4j terminal (raw, no echo) and read back
 *   on the same thread with pty4j's blocking streams: no thread hand-off;</li>
 *   <li>{@code pty}: the same through the server's {@code TerminalProcess} (its epoll poller, a pool thread's read
 *   and the line reader, then a hand-off to the waiting caller);</li>
 *   <li>{@code sse}: one write of 5 SSE frames (1.5 KB) to a chunked Vert.x response, posted to the event loop
 *   from another thread as the store's commit listener does, read by a loopback client;</li>
 *   <li>{@code http}: a turn's POST ({@code {"message":"echo hi"}}) to a Vert.x server on a kept-alive loopback
 *   connection and its 202 ({@code {"turnId":...}}) answered on the event loop: no router, no body handler, no
 *   worker, the request's floor through Vert.x and Netty; the client's CPU excluded;</li>
 *   <li>{@code wakeup}: one thread waking another and being woken back (park/unpark), the cost of each of a
 *   turn's ~10 thread hand-offs, with both threads busy; {@code wakeup-idle} the same after the caller has slept
 *   1 ms (as a turn's threads sleep between their steps), the caller's own CPU (its sleep) excluded;</li>
 *   <li>{@code NAME-idle} (for any part but {@code wakeup}): the part after 1 ms of sleep before each operation;
 *   the caller's sleep is counted in its thread's CPU, the other threads' figures are the part's own;</li>
 *   <li>{@code mix}: a turn's parts in a turn's order, one after the other: the POST and its 202, a store append,
 *   the PTY round trip, an SSE write, a second append, a second SSE write. Each part then runs once between the
 *   others, as in a turn, not thousands of times in a row with everything it touches in the caches.</li>
 * </ul>
 *
 * <p>CPU is the sum over the JVM's threads of their CPU time (ThreadMXBean), per operation, the client's socket
 * reads and {@code cat} (another process) excluded; wall is the median per operation. Usage:
 * {@code TurnFloorBench [operations] [parts]} (default 3,000 after 1,000 of warm-up; parts comma-separated, default
 * all). Run with the server's JVM flags (bin/sandbox-agent) to compare like with like.
 */
public final class TurnFloorBench {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final String LINE = "{\"type\":\"item.delta\",\"text\":\"hi\"}"; // 30-odd bytes, like a turn's
    private static final String EVENT_JSON = "{\"eventId\":\"evt_0123456789abcdef\",\"sequence\":12,\"time\":"
            + "\"2026-12-02T11:00:00.000Z\",\"sessionId\":\"turns\",\"type\":\"item.delta\",\"source\":\"agent\","
            + "\"synthetic\":false,\"data\":{\"itemId\":\"msg_1_2\",\"delta\":\"hi\"}}"; // ~230 bytes

    private TurnFloorBench() {
    }

    /** One part: {@link #op} runs once per operation; {@link #close} after the last. */
    private interface Part extends AutoCloseable {
        void op() throws Exception;

        /** The threads whose CPU the part excludes (a client's reads). */
        default List<Thread> excluded() {
            return List.of();
        }

        @Override
        void close(); // nothing checked: closing a part never needs the caller's handling
    }

    public static void main(String[] args) throws Exception {
        int operations = args.length > 0 ? Integer.parseInt(args[0]) : 3_000;
        List<String> parts = args.length > 1 ? Arrays.asList(args[1].split(","))
                : List.of("sqlite", "sqlite-1", "store", "pty-raw", "pty", "sse", "http", "wakeup", "wakeup-idle", "mix");
        System.out.printf("%-8s %12s %14s   (%,d operations after %,d of warm-up; load %s)%n", "part",
                "wall p50 us", "CPU us / op", operations, operations / 3, load());
        for (String name : parts) {
            Path dir = Files.createTempDirectory("turn-floor-");
            try (Part part = open(name, dir)) {
                for (int i = 0; i < operations / 3; i++) {
                    part.op();
                }
                java.util.Map<String, Long> cpuBefore = cpu(part.excluded());
                long[] wall = new long[operations];
                for (int i = 0; i < operations; i++) {
                    long start = System.nanoTime();
                    part.op();
                    wall[i] = System.nanoTime() - start;
                }
                java.util.Map<String, Long> cpuAfter = cpu(part.excluded());
                Arrays.sort(wall);
                System.out.printf("%-8s %12.1f %s  load %s%n", name, wall[operations / 2] / 1e3,
                        cpuPerOperation(cpuBefore, cpuAfter, operations), load());
            } finally {
                try (Stream<Path> files = Files.walk(dir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
        System.exit(0); // pty4j's and Vert.x's threads
    }

    private static Part open(String name, Path dir) throws Exception {
        if (name.endsWith("-idle") && !name.equals("wakeup-idle")) {
            // The part after 1 ms of sleep each time, as a turn's threads sleep between their steps.
            Part part = open(name.substring(0, name.length() - "-idle".length()), dir);
            return new Part() {
                @Override
                public void op() throws Exception {
                    LockSupport.parkNanos(1_000_000);
                    part.op();
                }

                @Override
                public List<Thread> excluded() {
                    return part.excluded();
                }

                @Override
                public void close() {
                    part.close();
                }
            };
        }
        return switch (name) {
            case "sqlite" -> sqlite(dir, false);
            case "sqlite-1" -> sqlite(dir, true);
            case "store" -> store(dir);
            case "pty-raw" -> ptyRaw();
            case "pty" -> pty();
            case "sse" -> sse();
            case "http" -> http();
            case "mix" -> mix(dir);
            case "wakeup" -> wakeup(0);
            case "wakeup-idle" -> wakeup(1_000_000);
            default -> throw new IllegalArgumentException("no part " + name);
        };
    }

    /** CPU time of every live thread but {@code excluded}, in ns, by thread name (numbers folded). */
    private static java.util.Map<String, Long> cpu(List<Thread> excluded) {
        java.util.Map<String, Long> byName = new java.util.TreeMap<>();
        for (java.lang.management.ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (info == null || excluded.stream().anyMatch(t -> t.getId() == info.getThreadId())) {
                continue;
            }
            long t = THREADS.getThreadCpuTime(info.getThreadId());
            byName.merge(info.getThreadName().replaceAll("[0-9]+", "N"), Math.max(t, 0), Long::sum);
        }
        return byName;
    }

    /** The total CPU between two snapshots per operation, in us, and the threads that took a tenth of it or more. */
    private static String cpuPerOperation(java.util.Map<String, Long> before, java.util.Map<String, Long> after,
                                          int operations) {
        java.util.Map<String, Long> spent = new java.util.TreeMap<>();
        after.forEach((name, ns) -> spent.put(name, ns - before.getOrDefault(name, 0L)));
        long total = spent.values().stream().mapToLong(Long::longValue).sum();
        StringBuilder threads = new StringBuilder();
        spent.entrySet().stream().filter(e -> e.getValue() * 10 >= total)
                .sorted(java.util.Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> threads.append(String.format(" %s %.1f;", e.getKey(), e.getValue() / 1e3 / operations)));
        return String.format("%14.1f  [%s ]", total / 1e3 / operations, threads);
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    private static Part sqlite(Path dir, boolean oneInsert) throws Exception {
        Connection connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("floor.db"));
        try (Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA journal_mode = WAL");
            statement.execute("PRAGMA synchronous = NORMAL");
            statement.execute("CREATE TABLE events (session_id TEXT NOT NULL, sequence INTEGER NOT NULL,"
                    + " json TEXT NOT NULL, PRIMARY KEY (session_id, sequence))");
        }
        connection.setAutoCommit(true);
        PreparedStatement begin = connection.prepareStatement("BEGIN IMMEDIATE");
        PreparedStatement insert = connection.prepareStatement(oneInsert
                ? "INSERT INTO events VALUES ('turns', ?, ?), ('turns', ?, ?), ('turns', ?, ?), ('turns', ?, ?),"
                + " ('turns', ?, ?)" : "INSERT INTO events VALUES ('turns', ?, ?)");
        PreparedStatement commit = connection.prepareStatement("COMMIT");
        long[] sequence = {0};
        return new Part() {
            @Override
            public void op() throws Exception {
                begin.execute();
                for (int i = 0; i < 5; i++) {
                    int at = oneInsert ? 2 * i : 0;
                    insert.setLong(at + 1, ++sequence[0]);
                    insert.setString(at + 2, EVENT_JSON);
                    if (!oneInsert) {
                        insert.addBatch();
                    }
                }
                if (oneInsert) {
                    insert.executeUpdate();
                } else {
                    insert.executeBatch();
                }
                commit.execute();
            }

            @Override
            public void close() {
                try {
                    connection.close();
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
    }

    private static Part store(Path dir) {
        SessionStore store = SessionStore.openSqlite(dir);
        store.create(new SessionSpec("turns", "mock", "build", "default", null, null, dir.toString(), null));
        List<EventDraft> five = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            five.add(new EventDraft("item.delta", "agent", false,
                    JsonNodeFactory.instance.objectNode().put("itemId", "msg_1_2").put("delta", "hi"), null, null));
        }
        return new Part() {
            @Override
            public void op() {
                store.append("turns", five).join();
            }

            @Override
            public void close() {
                store.close();
            }
        };
    }

    private static Part ptyRaw() throws Exception {
        PtyProcess process = new PtyProcessBuilder(new String[] {"/bin/sh", "-c", "stty raw -echo && echo ready"
                + " && exec cat"}).setRedirectErrorStream(true).start();
        InputStream in = process.getInputStream();
        OutputStream out = process.getOutputStream();
        byte[] buffer = new byte[4096];
        readUntil(in, buffer, "ready");
        byte[] line = (LINE + "\n").getBytes(StandardCharsets.UTF_8);
        return new Part() {
            @Override
            public void op() throws Exception {
                out.write(line);
                out.flush();
                int got = 0;
                while (got < line.length) {
                    int n = in.read(buffer, 0, buffer.length);
                    if (n < 0) {
                        throw new IllegalStateException("cat ended");
                    }
                    got += n;
                }
            }

            @Override
            public void close() {
                process.destroyForcibly();
            }
        };
    }

    private static void readUntil(InputStream in, byte[] buffer, String marker) throws Exception {
        StringBuilder seen = new StringBuilder();
        while (seen.indexOf(marker) < 0) {
            int n = in.read(buffer);
            if (n < 0) {
                throw new IllegalStateException("ended before " + marker + ": " + seen);
            }
            seen.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
        }
    }

    private static Part pty() throws Exception {
        Semaphore lines = new Semaphore(0);
        TerminalProcess cat = TerminalProcess.builder("cat").output(new LineReader(line -> lines.release())).start();
        byte[] line = (LINE + "\n").getBytes(StandardCharsets.UTF_8);
        return new Part() {
            @Override
            public void op() throws Exception {
                cat.writeAsync(line).join();
                if (!lines.tryAcquire(20, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("no line back from cat");
                }
            }

            @Override
            public void close() {
                cat.terminate(Duration.ofSeconds(1));
            }
        };
    }

    private static Part sse() throws Exception {
        Vertx vertx = Vertx.vertx();
        AtomicReference<HttpServerResponse> response = new AtomicReference<>();
        AtomicReference<Context> context = new AtomicReference<>();
        CompletableFuture<Void> opened = new CompletableFuture<>();
        HttpServer server = vertx.createHttpServer().requestHandler(request -> {
            HttpServerResponse r = request.response().setChunked(true).putHeader("content-type", "text/event-stream");
            r.write(": open\n\n");
            response.set(r);
            context.set(Vertx.currentContext());
            opened.complete(null);
        });
        int port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().join().actualPort();
        Socket socket = new Socket("127.0.0.1", port);
        socket.getOutputStream().write(("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        opened.join();
        StringBuilder frames = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            frames.append("id: ").append(i).append("\ndata: ").append(EVENT_JSON).append("\n\n");
        }
        byte[] five = frames.toString().getBytes(StandardCharsets.UTF_8);
        // A chunked body adds a size line and a CRLF around each chunk: the client waits for the frames' last byte.
        Semaphore read = new Semaphore(0);
        Thread client = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = socket.getInputStream()) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    for (int i = 0; i < n; i++) {
                        if (buffer[i] == '\n' && i > 0 && buffer[i - 1] == '\n') {
                            read.release(); // one per frame
                        }
                    }
                }
            } catch (java.io.IOException e) {
                // closed at the end
            }
        }, "sse-client");
        client.setDaemon(true);
        client.start();
        read.acquire(1); // the opening comment
        return new Part() {
            @Override
            public void op() throws Exception {
                context.get().runOnContext(v -> response.get().write(Buffer.buffer(five)));
                if (!read.tryAcquire(5, 20, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the frames did not arrive");
                }
            }

            @Override
            public List<Thread> excluded() {
                return List.of(client);
            }

            @Override
            public void close() {
                closeConnection(socket, vertx);
            }
        };
    }

    private static Part http() throws Exception {
        Vertx vertx = Vertx.vertx();
        Buffer accepted = Buffer.buffer("{\"turnId\":\"turn_0123456789abcdef\"}");
        HttpServer server = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body ->
                request.response().setStatusCode(202).putHeader("content-type", "application/json").end(accepted)));
        int port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().join().actualPort();
        Socket socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        String body = "{\"message\":\"echo hi\"}";
        byte[] post = ("POST /v1/sessions/turns/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.US_ASCII);
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[4096];
        Thread client = Thread.currentThread();
        return new Part() {
            @Override
            public void op() throws Exception {
                out.write(post);
                out.flush();
                // The answer ends with its body, whose last byte is the JSON's closing brace.
                int n;
                do {
                    n = in.read(buffer);
                    if (n < 0) {
                        throw new IllegalStateException("the server closed the connection");
                    }
                } while (buffer[n - 1] != '}');
            }

            @Override
            public List<Thread> excluded() {
                return List.of(client);
            }

            @Override
            public void close() {
                closeConnection(socket, vertx);
            }
        };
    }

    /** Ends a part's client connection and then its Vert.x instance (the SSE and HTTP parts both hold one each). */
    private static void closeConnection(Socket socket, Vertx vertx) {
        try {
            socket.close();
        } catch (java.io.IOException e) {
            // closing anyway
        }
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private static Part mix(Path dir) throws Exception {
        Part http = http();
        Part store = store(dir);
        Part pty = pty();
        Part sse = sse();
        List<Thread> excluded = new ArrayList<>(http.excluded());
        excluded.addAll(sse.excluded());
        return new Part() {
            @Override
            public void op() throws Exception {
                http.op();
                store.op();
                pty.op();
                sse.op();
                store.op();
                sse.op();
            }

            @Override
            public List<Thread> excluded() {
                return excluded;
            }

            @Override
            public void close() {
                try (http; store; pty; sse) {
                    // closes all four
                }
            }
        };
    }

    private static Part wakeup(long idleNanos) {
        Semaphore ping = new Semaphore(0);
        Semaphore pong = new Semaphore(0);
        Thread other = new Thread(() -> {
            try {
                while (true) {
                    ping.acquire();
                    pong.release();
                }
            } catch (InterruptedException e) {
                // done
            }
        }, "wakeup-peer");
        other.setDaemon(true);
        other.start();
        Thread caller = Thread.currentThread();
        return new Part() {
            @Override
            public void op() throws Exception {
                if (idleNanos > 0) {
                    LockSupport.parkNanos(idleNanos);
                }
                ping.release();
                pong.acquire();
            }

            @Override
            public List<Thread> excluded() {
                return idleNanos > 0 ? List.of(caller) : List.of();
            }

            @Override
            public void close() {
                other.interrupt();
            }
        };
    }
}
