package dev.sandboxagent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.cli.support.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Api commands must not load the server module or Vert.x (docs/cli.md: every {@code docker sandbox exec} starts a
 * JVM, and Vert.x and Netty add hundreds of classes to its start-up). Runs a real api command in a child JVM whose
 * class path holds the server and Vert.x, and reads the JVM's own class-loading log.
 */
class ApiCommandsDoNotLoadTheServerTest {

    @Test
    void sessionsListLoadsNeitherTheServerNorVertx(@TempDir Path dataDir, @TempDir Path tmp) throws Exception {
        try (TestServer server = TestServer.start(dataDir)) {
            Path classLog = tmp.resolve("classes.log");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process process = new ProcessBuilder(List.of(java, "-Xlog:class+load=info:file=" + classLog,
                    "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                    "api", "sessions", "list", "--url", server.url(), "--token", TestServer.TOKEN))
                    .redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("out.txt").toFile())
                    .start();
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String output = Files.readString(tmp.resolve("out.txt"));
            assertThat(process.exitValue()).as(output).isZero();
            assertThat(output).isEqualTo("no sessions" + System.lineSeparator());

            List<String> loaded = Files.readAllLines(classLog);
            assertThat(loaded).as("the class-load log").anyMatch(l -> l.contains("dev.sandboxagent.cli.Main "));
            // only the commands on the invoked path are built: not the server command, not the other api commands
            assertThat(loaded).anyMatch(l -> l.contains("dev.sandboxagent.cli.sessions.ListSessionsCommand "));
            assertThat(loaded).noneMatch(l -> l.contains("dev.sandboxagent.cli.server.ServerCommand "));
            assertThat(loaded).noneMatch(l -> l.contains("dev.sandboxagent.cli.sessions.CreateSessionCommand "));
            assertThat(loaded).noneMatch(l -> l.contains(" io.vertx.") || l.contains(" io.netty."));
            assertThat(loaded).noneMatch(l -> l.contains(" dev.sandboxagent.server."));
            assertThat(loaded).noneMatch(l -> l.contains(" dev.sandboxagent.cli.server.ForegroundServer"));
            // and the check means something: the child's class path could have loaded them
            assertThat(Class.forName("io.vertx.core.Vertx")).isNotNull();
        }
    }

    /**
     * The one-shot commands' own start-up (docs/benchmarks.md, "CLI round trip"): no JDK HttpClient (its class graph
     * and selector thread), no Jackson at all (neither an ObjectMapper nor jackson-core's parser and tree), no
     * record equals/hashCode bootstrapped through ObjectMethods (it spins method-handle classes no start-up archive
     * of JDK 17 holds), while a real answer with a session in it is read and printed.
     */
    @Test
    void listAndGetLoadNeitherHttpClientNorJacksonNorObjectMethods(@TempDir Path dataDir, @TempDir Path tmp)
            throws Exception {
        try (TestServer server = TestServer.start(dataDir)) {
            dev.sandboxagent.client.SandboxAgentClient.builder().baseUrl(java.net.URI.create(server.url()))
                    .token(TestServer.TOKEN).build()
                    .createSession("s1", dev.sandboxagent.client.CreateSessionRequest.of("mock"));
            for (String command : List.of("list", "get")) {
                Path classLog = tmp.resolve(command + "-classes.log");
                Path out = tmp.resolve(command + "-out.txt");
                String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
                List<String> args = new java.util.ArrayList<>(List.of(java, "-Xlog:class+load=info:file=" + classLog,
                        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "api", "sessions",
                        command));
                if (command.equals("get")) {
                    args.add("s1");
                }
                args.addAll(List.of("--url", server.url(), "--token", TestServer.TOKEN));
                Process process = new ProcessBuilder(args).redirectErrorStream(true).redirectOutput(out.toFile())
                        .start();
                assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
                String output = Files.readString(out);
                assertThat(process.exitValue()).as(output).isZero();
                assertThat(output).contains("s1").contains("mock");

                List<String> loaded = Files.readAllLines(classLog);
                assertThat(loaded).as(command).anyMatch(l -> l.contains(" dev.sandboxagent.client.SessionInfo "));
                assertThat(loaded).as(command)
                        .noneMatch(l -> l.contains(" java.net.http.") || l.contains(" jdk.internal.net.http."));
                assertThat(loaded).as(command)
                        .noneMatch(l -> l.contains(" com.fasterxml.jackson.databind.ObjectMapper "));
                assertThat(loaded).as(command).noneMatch(l -> l.contains(" java.lang.runtime.ObjectMethods "));
                if (command.equals("list")) {
                    // The list's own path (docs/benchmarks.md "CLI round trip, session 10"): its records read by
                    // hand, not by reflection (generic signatures, annotations), its table without a stream, its
                    // ages without java.time's Instant, its numbers
                    // without jackson-core's NumberInput (whose initialiser compiles regular expressions).
                    assertThat(loaded).as(command).noneMatch(l -> l.contains(" sun.reflect.generics.")
                            || l.contains(" sun.reflect.annotation.") || l.contains(" java.lang.ClassValue ")
                            || l.contains(" java.util.stream.") || l.contains(" java.time.Instant ")
                            || l.contains(" java.util.regex.Pattern "));
                }
                // The list's and get's answers are read without Jackson (PlainJson; docs/benchmarks.md "CLI round
                // trip, session 11"): not its parser factory, not its tree, not its annotations.
                assertThat(loaded).as(command).noneMatch(l -> l.contains(" com.fasterxml.jackson."));
            }
        }
    }
}
