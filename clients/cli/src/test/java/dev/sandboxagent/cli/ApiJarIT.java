package dev.sandboxagent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.cli.args.Command;
import dev.sandboxagent.cli.common.CliContext;
import dev.sandboxagent.cli.support.Ports;
import dev.sandboxagent.cli.support.Processes;
import dev.sandboxagent.cli.support.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The api jar (clients/cli/target/sandbox-agent-cli.jar; lib/ in the distribution) that bin/sandbox-agent runs
 * {@code api ...} and {@code --version} from: it holds the client's classes alone, and every api command runs from
 * it alone, as a process with that jar as its whole class path, against a real server. A class an api command needs
 * and the jar lacks fails here (NoClassDefFoundError, a non-zero exit), not at a user's prompt.
 */
class ApiJarIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path work;

    @AfterEach
    void noServerLeftBehind() {
        Processes.killAll(Processes.serversFor(work));
    }

    private static Path apiJar() {
        return Path.of(System.getProperty("sandbox-agent.api-jar"));
    }

    @Test
    void theApiJarHoldsNoServerClass() throws IOException {
        List<String> entries = entries(apiJar());
        assertThat(entries).contains("dev/sandboxagent/cli/Main.class",
                "dev/sandboxagent/cli/sessions/ListSessionsCommand.class",
                "dev/sandboxagent/client/SandboxAgentClient.class", "dev/sandboxagent/schema/EventType.class",
                "com/fasterxml/jackson/core/JsonFactory.class");
        List<String> serverSide = List.of("dev/sandboxagent/server/", "dev/sandboxagent/agents/",
                "dev/sandboxagent/store/", "dev/sandboxagent/cli/server/", "dev/sandboxagent/cli/install/",
                "io/vertx/", "io/netty/", "org/sqlite/", "com/pty4j/", "com/sun/jna/", "kotlin/", "org/slf4j/");
        for (String prefix : serverSide) {
            assertThat(entries).as(prefix).noneMatch(e -> e.startsWith(prefix));
        }
        // and the check means something: the fat jar next to it holds each of those
        List<String> fat = entries(apiJar().resolveSibling("sandbox-agent.jar"));
        for (String prefix : serverSide) {
            assertThat(fat).as(prefix).anyMatch(e -> e.startsWith(prefix));
        }
        try (ZipFile jar = new ZipFile(apiJar().toFile())) {
            String manifest = new String(jar.getInputStream(jar.getEntry("META-INF/MANIFEST.MF")).readAllBytes());
            assertThat(manifest).contains("Main-Class: dev.sandboxagent.cli.Main", "Implementation-Version: ")
                    .doesNotContain("Multi-Release");
        }
    }

    @Test
    void everyApiCommandRunsFromTheApiJarAlone(@TempDir Path dataDir) throws Exception {
        assertThat(run("--version").out()).startsWith("sandbox-agent ").doesNotContain("dev");
        assertThat(run("-V").out()).startsWith("sandbox-agent ");
        // every command's help: each command of the tree is built and its spec printed
        List<List<String>> commands = new ArrayList<>();
        commandsUnder(new ApiCommand(), List.of("api"), commands);
        assertThat(commands).hasSizeGreaterThan(10);
        for (List<String> command : commands) {
            List<String> help = new ArrayList<>(command);
            help.add("--help");
            assertThat(run(help.toArray(String[]::new)).out()).startsWith("Usage: sandbox-agent " + String.join(" ",
                    command));
        }

        try (TestServer server = TestServer.start(dataDir)) {
            String[] to = {"--url", server.url(), "--token", TestServer.TOKEN};
            assertThat(ok(with(to, "api", "sessions", "list")).out()).isEqualTo("no sessions\n");
            assertThat(ok(with(to, "api", "sessions", "create", "s1", "--agent", "mock")).out())
                    .isEqualTo("created session s1 (agent mock)\n");
            assertThat(ok(with(to, "api", "sessions", "send-message", "s1", "-m", "echo hello", "--wait")).out())
                    .contains("assistant: hello", "turn.ended");
            assertThat(ok(with(to, "api", "sessions", "list")).out()).contains("s1", "mock");
            assertThat(ok(with(to, "api", "sessions", "list", "--json")).out()).contains("\"sessionId\" : \"s1\"");
            assertThat(ok(with(to, "api", "sessions", "get", "s1")).out()).contains("mock");
            assertThat(ok(with(to, "api", "sessions", "get", "s1", "--json")).out()).contains("\"agent\" : \"mock\"");
            assertThat(ok(with(to, "api", "sessions", "events", "s1")).out()).contains("session.started", "hello");
            assertThat(ok(with(to, "api", "sessions", "events", "s1", "--json", "--limit", "2")).out().lines())
                    .hasSize(2).allMatch(l -> l.startsWith("{\"event_id\""));

            // a permission and a question, answered
            ok(with(to, "api", "sessions", "send-message", "s1", "-m", "permission write_file\nquestion go on?"));
            String permissionLine = awaitLine(to, "s1", "permission.requested");
            Matcher permission = Pattern.compile("permission\\.requested +(\\S+) ").matcher(permissionLine);
            assertThat(permission.find()).as(permissionLine).isTrue();
            assertThat(ok(with(to, "api", "sessions", "reply-permission", "s1", permission.group(1), "--reply",
                    "once")).out()).startsWith("replied once to permission ");
            String questionLine = awaitLine(to, "s1", "question.requested");
            Matcher question = Pattern.compile("question\\.requested +(\\S+) ").matcher(questionLine);
            assertThat(question.find()).as(questionLine).isTrue();
            assertThat(ok(with(to, "api", "sessions", "reply-question", "s1", question.group(1), "--answer", "yes"))
                    .out()).startsWith("answered question ");
            awaitLine(to, "s1", "turn.ended");

            // an interrupted turn (send-message returns once the turn has started)
            ok(with(to, "api", "sessions", "send-message", "s1", "-m", "sleep 30"));
            ok(with(to, "api", "sessions", "interrupt", "s1"));

            assertThat(ok(with(to, "api", "agents", "list")).out()).contains("mock");
            assertThat(ok(with(to, "api", "agents", "list", "--json")).out()).contains("\"id\" : \"mock\"");
            assertThat(ok(with(to, "api", "agents", "models", "mock")).out()).contains("mock");
            assertThat(ok(with(to, "api", "agents", "modes", "mock")).out()).contains("build");
            assertThat(ok(with(to, "api", "agents", "install", "mock")).exitCode()).isZero();

            assertThat(ok(with(to, "api", "sessions", "terminate", "s1")).out()).isEqualTo("terminated session s1\n");
            assertThat(ok(with(to, "api", "sessions", "events", "s1", "--follow")).out()).contains("session.ended");
            assertThat(ok(with(to, "api", "sessions", "delete", "s1")).out()).isEqualTo("deleted session s1\n");

            // the error paths: the server's problem, a usage mistake, no server at all
            Result missing = run(with(to, "api", "sessions", "get", "s1"));
            assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(1);
            assertThat(missing.err()).isEqualTo("error: no session 's1' (404)\n");
            Result usage = run("api", "sessions", "create");
            assertThat(usage.exitCode()).as(usage.toString()).isEqualTo(2);
            int free = Ports.free();
            Result refused = run("api", "sessions", "list", "--url", "http://127.0.0.1:" + free, "--no-autostart");
            assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(1);
            assertThat(refused.err()).isEqualTo("error: no sandbox-agent server answers at http://127.0.0.1:" + free
                    + " (connection refused)\n");
        }
    }

    /**
     * Run without the launcher (a bare {@code java -jar lib/sandbox-agent-cli.jar api ...}), an api command still
     * autostarts a server: from the fat jar next to the api jar, which has none.
     */
    @Test
    void autostartFromTheApiJarAloneRunsTheServerFromTheFatJar() throws Exception {
        int port = Ports.free();
        Path dataDir = work.resolve("data");
        Result listed = run(Map.of("SANDBOX_AGENT_URL", "http://127.0.0.1:" + port,
                "SANDBOX_AGENT_DATA_DIR", dataDir.toString()), "api", "sessions", "list");
        assertThat(listed.exitCode()).as(listed.toString()).isZero();
        assertThat(listed.out()).isEqualTo("no sessions\n");
        assertThat(listed.err()).startsWith("started a sandbox-agent server");

        List<ProcessHandle> servers = Processes.serversFor(dataDir);
        assertThat(servers).hasSize(1);
        String[] commandLine = Files.readString(Path.of("/proc", Long.toString(servers.get(0).pid()), "cmdline"))
                .split("\0");
        assertThat(commandLine).contains(apiJar().resolveSibling("sandbox-agent.jar").toString(), "server");
        Processes.terminate(servers.get(0), Duration.ofSeconds(30));
    }

    private static void commandsUnder(Command<CliContext> group, List<String> path, List<List<String>> into) {
        into.add(path);
        for (String name : group.spec().subcommands()) {
            List<String> sub = new ArrayList<>(path);
            sub.add(name);
            commandsUnder(group.subcommand(name), sub, into);
        }
    }

    private static List<String> entries(Path jar) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            return Collections.list(zip.entries()).stream().map(e -> e.getName()).toList();
        }
    }

    private record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private static String[] with(String[] connection, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(connection));
        return all.toArray(String[]::new);
    }

    private Result ok(String... args) throws Exception {
        Result result = run(args);
        assertThat(result.exitCode()).as(String.join(" ", args) + "\n" + result).isZero();
        assertThat(result.err()).as(String.join(" ", args)).doesNotContain("Exception", "Error:");
        return result;
    }

    private Result run(String... args) throws Exception {
        return run(Map.of(), args);
    }

    /** {@code java -cp <the api jar> dev.sandboxagent.cli.Main args...}, with a clean environment. */
    private Result run(Map<String, String> environment, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", apiJar().toString(), "dev.sandboxagent.cli.Main"));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(work, "out", ".txt");
        Path err = Files.createTempFile(work, "err", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().clear();
        builder.environment().putAll(Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"),
                "HOME", work.toString(), "SANDBOX_AGENT_DOCKER", "off"));
        builder.environment().putAll(environment);
        Process process = builder.start();
        if (!process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    private String awaitLine(String[] connection, String session, String type) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            String events = ok(with(connection, "api", "sessions", "events", session)).out();
            List<String> lines = events.lines().filter(l -> l.contains(" " + type + " ")).toList();
            if (!lines.isEmpty()) {
                return lines.get(lines.size() - 1);
            }
            assertThat(System.nanoTime()).as("a " + type + " event in\n" + events).isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
