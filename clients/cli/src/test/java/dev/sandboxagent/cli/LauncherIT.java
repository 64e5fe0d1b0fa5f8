package dev.sandboxagent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.cli.support.Launcher;
import dev.sandboxagent.cli.support.Launcher.Result;
import dev.sandboxagent.cli.support.Processes;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's story through the built launcher and fat jar, as separate processes: a server in the background,
 * then create, send, read events, then SIGTERM. Also shows that pty4j's native library loads from the fat jar (the
 * mock agent runs under a real PTY) and that api commands load no Vert.x class from it.
 */
class LauncherIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path work;

    @AfterEach
    void noServerLeftBehind() {
        Processes.killAll(Processes.serversFor(work));
    }

    @Test
    void serverThenCreateSendAndReadEventsThenSigterm() throws Exception {
        Path dataDir = work.resolve("data");
        Launcher launcher = Launcher.inTemp(work);
        Launcher.Started server = launcher.start("server", "server", "--no-token", "--port", "0",
                "--data-dir", dataDir.toString());
        String listening = server.awaitLine("listening on", WAIT);
        int port = listeningPort(listening);
        assertThat(listening).isEqualTo("sandbox-agent listening on http://127.0.0.1:" + port
                + " (no token: --no-token)");
        assertThat(Files.readString(dataDir.resolve("server.pid")).strip()).isEqualTo(Long.toString(server.pid()));

        Launcher api = launcher.env("SANDBOX_AGENT_URL", "http://127.0.0.1:" + port);
        Result created = api.run("api", "sessions", "create", "my-session", "--agent", "mock");
        assertThat(created.exitCode()).as(created.toString()).isZero();
        assertThat(created.out()).isEqualTo("created session my-session (agent mock)\n");
        // the first api command left a class-data archive behind for the next ones (see bin/sandbox-agent)
        try (var archives = Files.list(work.resolve(".cache/sandbox-agent"))) {
            assertThat(archives.map(p -> p.getFileName().toString())).singleElement().asString()
                    .matches("cds-\\d+\\.jsa");
        }

        Result sent = api.run("api", "sessions", "send-message", "my-session", "--message",
                "Summarize this repository");
        assertThat(sent.exitCode()).as(sent.toString()).isZero();
        assertThat(sent.out()).matches("turn turn_\\S+ started\n");
        String turnId = sent.out().split(" ")[1];

        Result events = awaitEvents(api, "my-session", "turn.ended");
        assertThat(events.out()).containsPattern("#1 session\\.started +agent=mock")
                .containsPattern("turn\\.started +" + turnId)
                .containsPattern("item\\.completed +user: Summarize this repository")
                .containsPattern("item\\.completed +assistant: mock: you said Summarize this repository")
                .containsPattern("turn\\.ended +" + turnId + " completed");

        Processes.terminate(ProcessHandle.of(server.pid()).orElseThrow(), Duration.ofSeconds(30));
        Result stopped = server.await(Duration.ofSeconds(5));
        assertThat(stopped.exitCode()).as(stopped.toString()).isZero();
        assertThat(stopped.out()).endsWith("sandbox-agent stopped\n");
        assertThat(dataDir.resolve("server.pid")).doesNotExist();
    }

    /**
     * The server's start-up archive (bin/sandbox-agent, dist/build.sh): a record run writes the class list of a
     * start and its first health answer, and the dump mode makes of it a static archive, one that replaces the
     * JDK's own: a JVM given only it maps no other archive and loads both JDK and server classes from it.
     */
    @Test
    void theServersArchiveIsAStaticOneOfTheClassesAStartLoads() throws Exception {
        Path jarDir = Path.of(System.getProperty("sandbox-agent.jar")).toRealPath().getParent();
        List<Path> before = serverArchiveFiles(jarDir);
        try {
            Launcher recording = Launcher.inTemp(work).env("SANDBOX_AGENT_CDS", "record");
            Launcher.Started server = recording.start("record", "server", "--no-token", "--port", "0",
                    "--data-dir", work.resolve("data").toString());
            int port = listeningPort(server.awaitLine("listening on", WAIT));
            HttpURLConnection health = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/v1/health")
                    .toURL().openConnection();
            assertThat(health.getResponseCode()).isEqualTo(200);
            health.disconnect();
            Processes.terminate(ProcessHandle.of(server.pid()).orElseThrow(), Duration.ofSeconds(30));
            server.await(Duration.ofSeconds(5));

            List<Path> lists = newFiles(jarDir, before, ".classlist");
            assertThat(lists).as("the record run's class list").singleElement();
            List<String> classes = Files.readAllLines(lists.get(0));
            assertThat(classes).anyMatch(line -> line.matches("java/lang/Object( .*)?"))
                    .anyMatch(line -> line.matches("dev/sandboxagent/server/internal/ServerRuntime( .*)?"));

            Result dumped = Launcher.inTemp(work).env("SANDBOX_AGENT_CDS", "dump").run("server");
            assertThat(dumped.exitCode()).as(dumped.toString()).isZero();
            List<Path> archives = newFiles(jarDir, before, ".jsa.new");
            assertThat(archives).as("the dump's archive").singleElement();

            // -Xshare:on: an archive that cannot be mapped is an error. The class path is the one -jar gives.
            Process java = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xshare:on", "-XX:SharedArchiveFile=" + archives.get(0), "-Xlog:cds=info", "-Xlog:class+load",
                    "-cp", System.getProperty("sandbox-agent.jar"), "dev.sandboxagent.cli.Main", "--version")
                    .redirectErrorStream(true).start();
            String log = new String(java.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(java.waitFor()).as(log).isZero();
            assertThat(log).containsPattern("Opened (shared )?archive (file )?" + archives.get(0))
                    .doesNotContain("classes.jsa").doesNotContain("dynamic region")
                    .containsPattern("java\\.lang\\.Object source: shared objects file\\s")
                    .containsPattern("dev\\.sandboxagent\\.cli\\.Main source: shared objects file\\s");
        } finally {
            for (Path made : newFiles(jarDir, before, "")) {
                Files.deleteIfExists(made);
            }
        }
    }

    private static List<Path> serverArchiveFiles(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("sandbox-agent-server")).toList();
        }
    }

    private static List<Path> newFiles(Path dir, List<Path> before, String suffix) throws IOException {
        return serverArchiveFiles(dir).stream().filter(p -> !before.contains(p))
                .filter(p -> p.getFileName().toString().endsWith(suffix)).toList();
    }

    /**
     * The launcher runs api commands and the version from the api jar (the client's classes alone, ApiJarIT), the
     * server and the other commands from the fat jar; either way an api command loads no Vert.x class.
     */
    @Test
    void apiCommandsRunFromTheApiJarAndLoadNoVertxClass() throws Exception {
        Launcher launcher = Launcher.inTemp(work);
        Launcher.Started server = launcher.start("server", "server", "--no-token", "--port", "0",
                "--data-dir", work.resolve("data").toString());
        int port = listeningPort(server.awaitLine("listening on", WAIT));

        Path classLog = work.resolve("classes.log");
        Result listed = launcher.env("SANDBOX_AGENT_URL", "http://127.0.0.1:" + port)
                .env("SANDBOX_AGENT_JAVA_OPTS", "-Xlog:class+load=info:file=" + classLog + " -XshowSettings:properties")
                .run("api", "sessions", "list");
        assertThat(listed.exitCode()).as(listed.toString()).isZero();
        assertThat(listed.out()).isEqualTo("no sessions\n");
        String apiJar = Path.of(System.getProperty("sandbox-agent.api-jar")).toRealPath().toString();
        String fatJar = Path.of(System.getProperty("sandbox-agent.jar")).toRealPath().toString();
        assertThat(listed.err()).contains("java.class.path = " + apiJar + "\n");
        // as the class path with the main class, not -jar: a JVM whose classes all come from the archive then never
        // opens the jar (docs/benchmarks.md "CLI round trip, session 10")
        assertThat(listed.err()).contains("sun.java.command = dev.sandboxagent.cli.Main api sessions list\n");
        Launcher showingClassPath = launcher.env("SANDBOX_AGENT_JAVA_OPTS", "-XshowSettings:properties");
        Result version = showingClassPath.run("--version");
        assertThat(version.out()).startsWith("sandbox-agent ");
        assertThat(version.err()).contains("java.class.path = " + apiJar + "\n");
        // the root's help names the server's commands: the fat jar
        Result help = showingClassPath.run("--help");
        assertThat(help.exitCode()).as(help.toString()).isZero();
        assertThat(help.out()).contains("server", "install-agent");
        assertThat(help.err()).contains("java.class.path = " + fatJar + "\n");
        List<String> loaded = Files.readAllLines(classLog);
        assertThat(loaded).anyMatch(l -> l.contains(" dev.sandboxagent.cli.Main "));
        assertThat(loaded).noneMatch(l -> l.contains(" io.vertx.") || l.contains(" io.netty.")
                || l.contains(" dev.sandboxagent.server."));
        Processes.terminate(ProcessHandle.of(server.pid()).orElseThrow(), Duration.ofSeconds(30));
    }

    @Test
    void aFileNamedLikeAFlagInTheWorkingDirectoryDoesNotReplaceTheFlag() throws Exception {
        // The launcher passes its JVM flags and SANDBOX_AGENT_JAVA_OPTS as unquoted word lists, and some hold a `*`
        // (its own -Xlog:cds*=off when an archive is used, a user's -Xlog:gc*): with the shell's pathname expansion
        // on, a file whose name matched replaced that flag and the JVM refused to start ("Invalid tag 'gc-x'").
        Files.createFile(work.resolve("-Xlog:cds-x=off"));
        Files.createFile(work.resolve("-Xlog:gc-x=off"));
        Result version = Launcher.inTemp(work).env("SANDBOX_AGENT_JAVA_OPTS", "-Xlog:gc*=off").run("--version");
        assertThat(version.exitCode()).as(version.toString()).isZero();
        assertThat(version.out()).startsWith("sandbox-agent ");
    }

    @Test
    void javaOnThePathIsTheFirstExecutableOneAfterAnEmptyEntry() throws Exception {
        // The launcher walks PATH itself (no $(command -v java) subshell): an empty entry is the working directory,
        // a `java` that is not executable is passed over, the next directory's java runs.
        Path notExecutable = Files.createDirectories(work.resolve("not-executable"));
        Files.writeString(notExecutable.resolve("java"), "#!/bin/sh\necho not this one\n");
        Path bin = Files.createDirectories(work.resolve("jdk-bin"));
        Files.createSymbolicLink(bin.resolve("java"), Path.of(System.getProperty("java.home"), "bin", "java"));
        Launcher onPath = Launcher.inTemp(work).without("JAVA_HOME")
                .env("PATH", ":" + notExecutable + ":" + bin + ":/usr/bin:/bin")
                .env("SANDBOX_AGENT_JAVA_OPTS", "-XshowSettings:properties");
        Result version = onPath.run("--version");
        assertThat(version.exitCode()).as(version.toString()).isZero();
        assertThat(version.out()).startsWith("sandbox-agent ");
        assertThat(version.err()).contains("java.home = " + Path.of(System.getProperty("java.home")).toRealPath()
                + "\n");
    }

    @Test
    void withoutTheJarTheLauncherSaysHowToBuildIt() throws Exception {
        // a copy of the launcher in a directory with no jar around it
        Path bin = Files.createDirectories(work.resolve("empty/bin"));
        Path script = Files.copy(Path.of(System.getProperty("sandbox-agent.launcher")), bin.resolve("sandbox-agent"));
        Process process = new ProcessBuilder(script.toString(), "api", "sessions", "list")
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor()).isEqualTo(1);
        assertThat(output).startsWith("error: sandbox-agent.jar not found")
                .contains("run mvn -B package -DskipTests first");
    }

    private static Result awaitEvents(Launcher api, String sessionId, String type) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            Result events = api.run("api", "sessions", "events", sessionId);
            assertThat(events.exitCode()).as(events.toString()).isZero();
            if (events.out().contains(" " + type + " ") || System.nanoTime() > deadline) {
                assertThat(events.out()).as("events of " + sessionId).contains(" " + type + " ");
                return events;
            }
            Thread.sleep(100);
        }
    }

    /**
     * The port a server started with {@code --port 0} took, from its "listening on" line. The server binds it: a
     * port picked free beforehand could be taken by another process before the server's JVM came to bind it.
     */
    private static int listeningPort(String line) {
        Matcher port = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+) ").matcher(line);
        assertThat(port.find()).as(line).isTrue();
        return Integer.parseInt(port.group(1));
    }
}
