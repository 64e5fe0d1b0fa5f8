package dev.sandboxagent.server.warm;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** A warm process for tests: listens on a loopback port (after an optional delay) and says so on stdout. */
public final class TinyListener {
    private TinyListener() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        long delayMs = args.length > 1 ? Long.parseLong(args[1]) : 0;
        Thread.sleep(delayMs);
        try (ServerSocket server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
            System.out.println("listening on " + port);
            System.out.flush();
            while (true) {
                try (Socket ignored = server.accept()) {
                    System.out.println("connection");
                    System.out.flush();
                }
            }
        }
    }

    /** The command that runs this class in a fresh JVM with the tests' class path. */
    public static java.util.List<String> command(int port, long delayMs) {
        return java.util.List.of(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                TinyListener.class.getName(), Integer.toString(port), Long.toString(delayMs));
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
