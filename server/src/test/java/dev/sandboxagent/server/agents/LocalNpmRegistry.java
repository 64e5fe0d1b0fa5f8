package dev.sandboxagent.server.agents;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.sandboxagent.server.support.Api;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * An npm registry on 127.0.0.1 that serves one package: a tarball {@code npm pack} made, under one version. The real
 * npm installs from it as from registry.npmjs.org (packument, then tarball, integrity checked), so an install test
 * needs no network. Every other name is 404.
 */
final class LocalNpmRegistry implements AutoCloseable {
    private final HttpServer server;
    private final List<String> requested = new CopyOnWriteArrayList<>();

    /**
     * @param manifest the package.json to publish (its dependencies are what npm will resolve next: the caller
     *                 removes those this registry cannot serve)
     */
    LocalNpmRegistry(String name, String version, ObjectNode manifest, Path tarball) throws IOException {
        byte[] tgz = Files.readAllBytes(tarball);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "local-npm-registry");
            t.setDaemon(true);
            return t;
        }));
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        String tarballPath = "/tarballs/" + name.replace('/', '-') + "-" + version + ".tgz";
        manifest.put("name", name).put("version", version);
        ObjectNode dist = manifest.putObject("dist");
        dist.put("tarball", base + tarballPath);
        dist.put("shasum", HexFormat.of().formatHex(digest("SHA-1", tgz)));
        dist.put("integrity", "sha512-" + Base64.getEncoder().encodeToString(digest("SHA-512", tgz)));
        ObjectNode packument = Api.JSON.createObjectNode().put("name", name);
        packument.putObject("dist-tags").put("latest", version);
        packument.putObject("versions").set(version, manifest);
        byte[] packumentBytes = Api.JSON.writeValueAsBytes(packument);
        server.createContext("/", exchange -> {
            String path = URLDecoder.decode(exchange.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
            requested.add(path);
            byte[] body;
            String type;
            if (path.equals("/" + name)) {
                body = packumentBytes;
                type = "application/json";
            } else if (path.equals(tarballPath)) {
                body = tgz;
                type = "application/octet-stream";
            } else {
                body = "{\"error\":\"Not found\"}".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(404, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    /** The paths npm asked for, decoded. */
    List<String> requested() {
        return List.copyOf(requested);
    }

    private static byte[] digest(String algorithm, byte[] data) {
        try {
            return MessageDigest.getInstance(algorithm).digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }

    static Map<String, String> npmSettings(String registryUrl, Path cache) {
        return Map.of("npm_config_registry", registryUrl, "npm_config_cache", cache.toString(),
                "npm_config_fetch_retries", "0");
    }
}
