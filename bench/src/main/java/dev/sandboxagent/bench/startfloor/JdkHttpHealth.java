package dev.sandboxagent.bench.startfloor;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Floor (b) of {@code bench/start-floor}: the JDK's own HTTP server (jdk.httpserver, part of every JDK) answering
 * {@code GET /v1/health} on 127.0.0.1:PORT with 200 and a small JSON body. The cheapest HTTP listener a JVM has:
 * no library, no native transport. Usage: {@code JdkHttpHealth PORT}.
 */
public final class JdkHttpHealth {
    private static final byte[] BODY = "{\"status\":\"ok\"}".getBytes(StandardCharsets.US_ASCII);

    private JdkHttpHealth() {
    }

    public static void main(String[] args) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), 64);
        server.createContext("/v1/health", new Health());
        server.start();
    }

    // A class, not a lambda: a lambda spins a class at run time (the JDK's method-handle machinery), which a floor
    // should not pay for.
    private static final class Health implements HttpHandler {
        @Override
        public void handle(HttpExchange exchange) throws IOException {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, BODY.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(BODY);
            }
        }
    }
}
