package dev.sandboxagent.bench.sidebyside;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A server under test, spawned as its own process on a free loopback port, measured from outside through /proc
 * (the way an operator would see it), and stopped by its PID: TERM, then KILL after a grace; then the same for any
 * agent process it left behind. Nothing is ever stopped by name.
 */
final class ServerProcess implements AutoCloseable {
    /** Clock ticks per second of /proc/PID/stat's utime and stime ({@code getconf CLK_TCK}; 100 on Linux). */
    private static final long CLOCK_TICKS = clockTicks();

    private final String name;
    private final Process process;
    private final int port;
    private final Path log;
    private final long spawnedNanos;

    private ServerProcess(String name, Process process, int port, Path log, long spawnedNanos) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.log = log;
        this.spawnedNanos = spawnedNanos;
    }

    /**
     * Spawns the command (its output to {@code log}); {@code environment} edits a copy of this process's
     * environment before the spawn (removing variables that would change the server's behaviour, adding HOME, ...).
     */
    static ServerProcess spawn(String name, List<String> command, Path workDir, Consumer<Map<String, String>> environment,
                               int port, Path log) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
        environment.accept(builder.environment());
        long spawned = System.nanoTime();
        Process process = builder.start();
        return new ServerProcess(name, process, port, log, spawned);
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    /**
     * Polls {@code GET /v1/health} (a fresh connection each time, 2 ms apart) until it answers 200; returns the
     * milliseconds from the spawn to that answer.
     */
    double awaitHealthy(long timeoutMillis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException(name + " exited with " + process.exitValue() + " before it was healthy; log:\n"
                        + tail());
            }
            if (healthy(port)) {
                return (System.nanoTime() - spawnedNanos) / 1e6;
            }
            Thread.sleep(2);
        }
        throw new IOException(name + " not healthy after " + timeoutMillis + " ms; log:\n" + tail());
    }

    private static boolean healthy(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] head = new byte[12];
            int n = 0;
            while (n < head.length) {
                int r = in.read(head, n, head.length - n);
                if (r < 0) {
                    return false;
                }
                n += r;
            }
            return new String(head, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200");
        } catch (IOException e) {
            return false;
        }
    }

    /** Milliseconds from the spawn to {@code nanoTime} (a System.nanoTime() reading). */
    double millisSinceSpawn(long nanoTime) {
        return (nanoTime - spawnedNanos) / 1e6;
    }

    /** VmRSS of the server process, in KiB. */
    long rssKib() throws IOException {
        return statusField("VmRSS:");
    }

    /** Threads of the server process. */
    long threads() throws IOException {
        return statusField("Threads:");
    }

    private long statusField(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
            }
        }
        throw new IOException("no " + field + " in /proc/" + pid() + "/status");
    }

    /** utime + stime of the server process, in milliseconds. */
    double cpuMillis() throws IOException {
        return cpuMillis(pid());
    }

    /** utime + stime of the agent processes the server runs now (its descendants), in milliseconds. */
    double descendantsCpuMillis() {
        return process.descendants().mapToDouble(p -> {
            try {
                return cpuMillis(p.pid());
            } catch (IOException e) {
                return 0; // it ended in between
            }
        }).sum();
    }

    /**
     * utime + stime of each of the server's live threads, in milliseconds, keyed "TID NAME" with a trailing number
     * dropped from the name ("vert.x-eventloop-thread-0" and "-1" are one NAME, for the caller to sum); threads that
     * ended are missing (their CPU stays in the process's, {@link #cpuMillis}).
     */
    Map<String, Double> threadCpuMillis() throws IOException {
        Map<String, Double> byName = new java.util.TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid()), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException e) {
                    continue; // it ended in between
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("\\d+$", "N");
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                double millis = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 1000.0 / CLOCK_TICKS;
                byName.put(task.getFileName() + " " + name, millis); // per thread: one that ends is told apart
            }
        }
        return byName;
    }

    private static double cpuMillis(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        // fields after "(comm)": state is field 3, utime 14 and stime 15 (proc(5))
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        return ticks * 1000.0 / CLOCK_TICKS;
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** TERM, up to 10 s, then KILL; then its leftover descendants the same way, by PID. */
    @Override
    public void close() {
        List<ProcessHandle> descendants = process.descendants().toList();
        stop(process.toHandle());
        for (ProcessHandle child : descendants) {
            stop(child);
        }
    }

    private static void stop(ProcessHandle handle) {
        if (!handle.isAlive()) {
            return;
        }
        handle.destroy();
        try {
            handle.onExit().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            handle.destroyForcibly();
            try {
                handle.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // reported by the caller's leftover check, if any
            }
        }
    }

    private static long clockTicks() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            getconf.waitFor(5, TimeUnit.SECONDS);
            return Long.parseLong(out);
        } catch (IOException | NumberFormatException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
