package dev.sandboxagent.bench.startfloor;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.sqlite.SQLiteConfig;

/**
 * Floors (c) and (d) of {@code bench/start-floor}: a bare Vert.x HTTP server (the server's Vert.x, with the two
 * start-up settings it uses: no DNS resolver, no class-path file cache) answering {@code GET /v1/health} on
 * 127.0.0.1:PORT with 200 and a small JSON body, no router, no OpenAPI, no store. With {@code --sqlite DIR} it also
 * opens {@code DIR/floor.db} with sqlite-jdbc the way the store opens a fresh {@code sessions.db} (WAL,
 * synchronous=NORMAL, a schema created in one transaction, the library unpacked into a private directory so the shared
 * temp directory is not listed) before it listens; Vert.x starts on another thread meanwhile, as in the server
 * (server/.../ServerRuntime.java). Usage: {@code VertxHealth PORT [--sqlite DIR]}.
 */
public final class VertxHealth {
    private VertxHealth() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Path sqliteDir = args.length > 2 && args[1].equals("--sqlite") ? Path.of(args[2]) : null;
        System.setProperty("vertx.disableDnsResolver", "true");
        System.setProperty("io.netty.jfr.enabled", "false");
        VertxStart vertxStart = new VertxStart();
        Thread starting = new Thread(vertxStart, "start-vertx");
        starting.start();
        Connection store = sqliteDir == null ? null : openSqlite(sqliteDir);
        starting.join();
        vertxStart.vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port)
                        .setCompressionSupported(false))
                .requestHandler(new Health())
                .listen()
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        if (store != null) {
            // kept open for the process's life, as the store's writer connection is
            Runtime.getRuntime().addShutdownHook(new Thread(new CloseQuietly(store)));
        }
    }

    private static Connection openSqlite(Path dir) throws Exception {
        Files.createDirectories(dir);
        Path lib = Files.createDirectories(dir.resolve("lib"));
        System.setProperty("org.sqlite.tmpdir", lib.toString());
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(5_000);
        Connection connection = config.createConnection("jdbc:sqlite:" + dir.resolve("floor.db"));
        try (Statement statement = connection.createStatement()) {
            statement.executeQuery("SELECT count(*) FROM sqlite_master").close();
            statement.executeQuery("PRAGMA journal_mode = WAL").close();
            statement.execute("PRAGMA synchronous = NORMAL");
            statement.execute("PRAGMA wal_autocheckpoint = 0");
            statement.execute("BEGIN IMMEDIATE");
            statement.execute("CREATE TABLE IF NOT EXISTS events (session_id TEXT NOT NULL, sequence INTEGER NOT NULL,"
                    + " json TEXT NOT NULL, PRIMARY KEY (session_id, sequence))");
            statement.execute("PRAGMA user_version = 1");
            statement.execute("COMMIT");
        }
        return connection;
    }

    private static final class VertxStart implements Runnable {
        private volatile Vertx vertx;

        @Override
        public void run() {
            vertx = Vertx.vertx(new VertxOptions().setFileSystemOptions(new FileSystemOptions()
                    .setClassPathResolvingEnabled(false).setFileCachingEnabled(false)));
        }
    }

    private static final class Health implements Handler<HttpServerRequest> {
        @Override
        public void handle(HttpServerRequest request) {
            if (request.path().equals("/v1/health")) {
                request.response().putHeader("content-type", "application/json").end("{\"status\":\"ok\"}");
            } else {
                request.response().setStatusCode(404).end();
            }
        }
    }

    private static final class CloseQuietly implements Runnable {
        private final Connection connection;

        CloseQuietly(Connection connection) {
            this.connection = connection;
        }

        @Override
        public void run() {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // the process is exiting
            }
        }
    }
}
