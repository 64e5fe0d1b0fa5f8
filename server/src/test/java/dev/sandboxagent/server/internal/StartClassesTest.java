package dev.sandboxagent.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a start loads: a server that has started and answered its first health poll has not loaded Jackson databind
 * (~390 classes, and a mapper to build, at every start before: Vert.x's databind codec, the agent catalog's static
 * mappers and the health answer all pulled it in). Everything after that (bodies, events, agents) still uses it; the
 * other tests cover that. A real server in a child JVM, its class loading logged by the JVM itself.
 */
class StartClassesTest {
    @TempDir
    Path dir;

    @Test
    void aStartedServerAnswersItsHealthPollWithoutJacksonDatabind() throws Exception {
        Path classes = dir.resolve("classes.log");
        try (ServerProcess server = ServerProcess.start(dir.resolve("data"), dir.resolve("server.log"),
                Map.of("JAVA_TOOL_OPTIONS", "-Xlog:class+load=info:file=" + classes))) {
            Api.Answer health = server.api().get("/v1/health");
            assertThat(health.status()).isEqualTo(200);
            assertThat(health.body()).contains("\"status\":\"ok\"").contains("\"store\":\"ok\"");

            List<String> loaded = Files.readAllLines(classes);
            // the log is the JVM's and complete up to the answer: the classes that served it are in it
            assertThat(loaded).anyMatch(line -> line.contains(" io.vertx.core.http.impl.Http1xServerRequest "));
            assertThat(loaded.stream().filter(line -> line.contains(" com.fasterxml.jackson.databind.")).toList())
                    .as("Jackson databind classes loaded by the first health answer").isEmpty();
        }
    }

    @Test
    void aQuietStartPublishesNoLogRecord() throws Exception {
        // The first record a JVM publishes through java.util.logging loads its formatter's machinery (the time zone
        // database, the level names' bundle, the caller's stack walk) beside the first request: a start that went
        // well says so on the CLI's stdout, not in a log record. A child JVM with the JDK's logging defaults.
        Path classes = dir.resolve("classes.log");
        try (ServerProcess server = ServerProcess.start(dir.resolve("data"), dir.resolve("server.log"),
                Map.of("JAVA_TOOL_OPTIONS", "-Xlog:class+load=info:file=" + classes))) {
            assertThat(server.api().get("/v1/health").status()).isEqualTo(200);
            Thread.sleep(500); // a record logged right after listen is published by now

            List<String> loaded = Files.readAllLines(classes);
            assertThat(loaded).anyMatch(line -> line.contains(" io.vertx.core.http.impl.Http1xServerRequest "));
            assertThat(loaded.stream().filter(line -> line.contains(" java.util.logging.LogRecord ")).toList())
                    .as("a log record made during the start").isEmpty();
        }
    }

    @Test
    void aFirstSessionAndItsTurnPublishNoLogRecord() throws Exception {
        // pty4j's notice that it unpacked its native library ("Extracted pty4j native in 0 ms", INFO) was the server's
        // first log record, so the first session paid for java.util.logging's formatter (docs/benchmarks.md "The
        // first session's log record, session 18"). A session that starts and turns well logs nothing.
        Path classes = dir.resolve("classes.log");
        Path log = dir.resolve("server.log");
        try (ServerProcess server = ServerProcess.start(dir.resolve("data"), log,
                Map.of("JAVA_TOOL_OPTIONS", "-Xlog:class+load=info:file=" + classes))) {
            server.api().createSession("s1", "mock");
            server.api().sendMessage("s1", "echo hi");
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (server.api().events("s1").stream().noneMatch(e -> e.get("type").asText().equals("turn.ended"))) {
                assertThat(System.nanoTime()).as("the turn ended within 30 s").isLessThan(deadline);
                Thread.sleep(20);
            }
            Thread.sleep(500); // a record logged at the turn's end is published by now

            List<String> loaded = Files.readAllLines(classes);
            // the agent ran on a terminal that pty4j set up, unpacking its library as a first terminal does
            assertThat(loaded).anyMatch(line -> line.contains(" com.pty4j.util.ExtractedNative "));
            assertThat(loaded.stream().filter(line -> line.contains(" java.util.logging.LogRecord ")).toList())
                    .as("a log record made by the first session or its turn").isEmpty();
            assertThat(Files.readString(log)).doesNotContain("pty4j native");
        }
    }

    @Test
    void anIdleServerBuildsNoBodySchemasUntilARequestWithABodyComes() throws Exception {
        // The JSON Schema repository (the whole OpenAPI document dereferenced, and the library's classes) is only
        // for validating request bodies: built at every start it was ~1.6 MiB of an idle server's RSS (its heap, its
        // thread's malloc arena; docs/benchmarks.md "Idle RSS, session 11"). A bodiless request does not build it
        // either; the first request with a body does, and is answered as before.
        Path classes = dir.resolve("classes.log");
        String repository = " io.vertx.json.schema.impl.SchemaRepositoryImpl ";
        try (ServerProcess server = ServerProcess.start(dir.resolve("data"), dir.resolve("server.log"),
                Map.of("JAVA_TOOL_OPTIONS", "-Xlog:class+load=info:file=" + classes))) {
            assertThat(server.api().get("/v1/health").status()).isEqualTo(200);
            assertThat(server.api().get("/v1/sessions").status()).isEqualTo(200);
            Thread.sleep(1000); // what a start used to queue after listen would have run by now

            assertThat(Files.readAllLines(classes).stream().filter(line -> line.contains(repository)).toList())
                    .as("the schema repository built by an idle server").isEmpty();

            Api.Answer refused = server.api().post("/v1/sessions/s1", "{\"agent\":5}");
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.body()).contains("CreateSessionRequest");
            assertThat(Files.readAllLines(classes)).anyMatch(line -> line.contains(repository));
        }
    }

    @Test
    void anIdleServerReadsNoApiDocumentAndSeedsNoSecureRandomUntilARequestNeedsThem() throws Exception {
        // An idle server held the OpenAPI document (its 80 KB of text and its JSON tree, read at every start for the
        // ids' pattern and the bodies' member names) and the JDK's security providers (the turn ids' SecureRandom,
        // seeded at start): neither is needed before a request with an id or a body, or before a turn
        // (docs/benchmarks.md "Idle RSS, session 12"). Jackson's read context is made only by a parse: the document
        // is the only JSON a start reads; SecureRandom's first instance is what loads the providers.
        Path classes = dir.resolve("classes.log");
        String parsing = " com.fasterxml.jackson.core.json.JsonReadContext ";
        String secureRandom = " java.security.SecureRandom ";
        try (ServerProcess server = ServerProcess.start(dir.resolve("data"), dir.resolve("server.log"),
                Map.of("JAVA_TOOL_OPTIONS", "-Xlog:class+load=info:file=" + classes))) {
            assertThat(server.api().get("/v1/health").status()).isEqualTo(200);
            Thread.sleep(1000); // what a start queued after listen has run by now

            List<String> idle = Files.readAllLines(classes);
            assertThat(idle).anyMatch(line -> line.contains(" io.vertx.core.http.impl.Http1xServerRequest "));
            assertThat(idle.stream().filter(line -> line.contains(parsing)).toList())
                    .as("JSON parsed by an idle server (the OpenAPI document)").isEmpty();
            assertThat(idle.stream().filter(line -> line.contains(secureRandom)).toList())
                    .as("a SecureRandom made by an idle server").isEmpty();

            // what needed the document still gets it: the ids' pattern, and the document as served
            Api.Answer badId = server.api().get("/v1/sessions/bad%20id");
            assertThat(badId.status()).isEqualTo(400);
            assertThat(badId.body()).contains("must be 1 to 128 letters");
            Api.Answer document = server.api().get("/openapi.json");
            assertThat(document.status()).isEqualTo(200);
            assertThat(document.body()).startsWith("{").contains("\"CreateSessionRequest\"");
            assertThat(Files.readAllLines(classes)).anyMatch(line -> line.contains(parsing));
        }
    }

    @Test
    void theFirstHealthAnswerIsWrittenWithoutJacksonsCodec() throws Exception {
        // The health poll is the first request of every start: its body, five members of a fixed shape, is written by
        // hand (HealthAnswer), so answering it does not initialise Vert.x's Jackson codec, Jackson's factory and its
        // generator (~75 classes on the path to the first 200; docs/benchmarks.md "Server start, session 12"). What
        // it says is unchanged: the same members, in the same order, as JSON.
        Path classes = dir.resolve("classes.log");
        String factory = " com.fasterxml.jackson.core.JsonFactory ";
        try (ServerProcess server = ServerProcess.start(dir.resolve("data"), dir.resolve("server.log"),
                Map.of("JAVA_TOOL_OPTIONS", "-Xlog:class+load=info:file=" + classes))) {
            Api.Answer health = server.api().get("/v1/health");
            assertThat(health.status()).isEqualTo(200);
            assertThat(health.body()).matches("\\{\"status\":\"ok\",\"version\":\"[^\"]+\",\"uptimeMs\":[0-9]+,"
                    + "\"docker\":\"[a-z_]+\",\"store\":\"ok\"}");
            Thread.sleep(1000); // what a start queued after listen has run by now

            List<String> idle = Files.readAllLines(classes);
            assertThat(idle).anyMatch(line -> line.contains(" io.vertx.core.http.impl.Http1xServerRequest "));
            assertThat(idle.stream().filter(line -> line.contains(factory)).toList())
                    .as("Jackson's factory made by a start and its health answer").isEmpty();
        }
    }
}
