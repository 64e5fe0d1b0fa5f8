package dev.sandboxagent.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The tarball the package build made, installed by its own install.sh into a temporary prefix and run the way a
 * sandbox without Java would: a PATH that holds the shell tools the launcher uses and no java, no JAVA_HOME.
 */
class DistributionIT {

    private Path dir;
    private Path prefix;
    private Path toolsOnly;
    private long serverPid = -1;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("sa-dist-");
        prefix = dir.resolve("prefix");
        toolsOnly = Files.createDirectories(dir.resolve("path"));
        // Everything of /usr/bin and /bin (the launcher's sed and cksum, the mock agent's stty, ...) except what
        // resolves into a Java installation: this machine has a java in /usr/bin, a sandbox need not.
        for (Path bin : List.of(Path.of("/usr/bin"), Path.of("/bin"))) {
            try (var tools = Files.list(bin)) {
                for (Path tool : tools.toList()) {
                    Path link = toolsOnly.resolve(tool.getFileName().toString());
                    Path real;
                    try {
                        real = tool.toRealPath();
                    } catch (java.io.IOException dangling) {
                        continue;
                    }
                    if (!Files.exists(link) && !Files.isDirectory(real) && !real.startsWith("/usr/lib/jvm")
                            && !tool.getFileName().toString().equals("java")) {
                        Files.createSymbolicLink(link, real);
                    }
                }
            }
        }
    }

    @AfterEach
    void tearDown() {
        if (serverPid > 0) {
            ProcessHandle.of(serverPid).ifPresent(ProcessHandle::destroy); // TERM: an orderly stop
            ProcessHandle.of(serverPid).ifPresent(h -> h.onExit().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS)
                    .exceptionally(t -> null).join());
            ProcessHandle.of(serverPid).ifPresent(ProcessHandle::destroyForcibly);
        }
        Shell.deleteQuietly(dir);
    }

    private Map<String, String> noJava(Map<String, String> extra) {
        Map<String, String> env = new java.util.HashMap<>(Map.of("PATH", toolsOnly.toString(),
                "HOME", dir.resolve("home").toString()));
        env.putAll(extra);
        return env;
    }

    @Test
    void installedTarballRunsApiCommandsWithItsOwnRuntimeAndNoJavaOnPath() throws Exception {
        Path tarball = Path.of(System.getProperty("sandbox-agent.tarball"));
        assertThat(tarball).as("the package phase makes the tarball").isRegularFile();
        assertThat(Path.of(tarball + ".sha256")).isRegularFile();
        assertThat(Shell.run(noJava(Map.of()), 10, List.of("sh", "-c", "command -v java")).exitCode())
                .as("java must not be on the PATH these commands run with").isNotZero();

        Shell.Result install = Shell.run(noJava(Map.of()), 120,
                List.of(toolsOnly.resolve("sh").toString(), Path.of(System.getProperty("sandbox-agent.repo"),
                        "dist", "install.sh").toString(), "--prefix", prefix.toString(), tarball.toString()));
        assertThat(install.exitCode()).as(install.toString()).isZero();
        assertThat(install.stdout()).contains("checksum ok", "installed sandbox-agent-");
        Path launcher = prefix.resolve("bin/sandbox-agent");
        assertThat(Files.isSymbolicLink(launcher)).isTrue();
        assertThat(prefix.resolve("lib/sandbox-agent/lib/runtime/bin/java")).isExecutable();
        assertThat(prefix.resolve("lib/sandbox-agent/install.sh")).isExecutable();

        // -Xshare:on makes a class-data archive that cannot be mapped an error instead of a silent fallback: the
        // archive made at package time, in the build directory, must load from the installed tree.
        Shell.Result version = Shell.run(noJava(Map.of("SANDBOX_AGENT_JAVA_OPTS", "-Xshare:on")), 60,
                List.of(launcher.toString(), "--version"));
        assertThat(version.exitCode()).as(version.toString()).isZero();
        assertThat(version.stdout()).startsWith("sandbox-agent ");

        // Every api command pays for what the launcher runs before java, so on the way to the shipped runtime it
        // runs no other program (docs/benchmarks.md "CLI round trip"): called by its real path with nothing on the
        // PATH, it still starts the command, with its archive.
        Path nothingOnPath = Files.createDirectories(dir.resolve("empty-path"));
        Shell.Result bare = Shell.run(Map.of("PATH", nothingOnPath.toString(), "HOME", dir.resolve("home").toString(),
                "SANDBOX_AGENT_JAVA_OPTS", "-Xshare:on"), 60,
                List.of(prefix.resolve("lib/sandbox-agent/bin/sandbox-agent").toString(), "--version"));
        assertThat(bare.exitCode()).as(bare.toString()).isZero();
        assertThat(bare.stdout()).isEqualTo(version.stdout());

        String url = "http://127.0.0.1:" + Shell.freePort();
        // The autostarted server goes through the launcher too, so with -Xshare:on it refuses to start when its
        // own archive (a static one, made in the build directory) cannot be mapped from the installed tree.
        // Each JVM also logs the classes it loads, into a file named by its pid (%p), read below for the server's.
        Map<String, String> env = noJava(Map.of("SANDBOX_AGENT_URL", url, "SANDBOX_AGENT_JAVA_OPTS",
                "-Xshare:on -Xlog:class+load=info:file=" + dir.resolve("classes-%p.log")));
        Shell.Result create = Shell.run(env, 120,
                List.of(launcher.toString(), "api", "sessions", "create", "s1", "--agent", "mock"));
        Matcher started = Pattern.compile("started a sandbox-agent server on \\S+ \\(pid (\\d+)").matcher(create.stderr());
        if (started.find()) {
            serverPid = Long.parseLong(started.group(1));
        }
        assertThat(create.exitCode()).as(create.toString()).isZero();
        assertThat(create.stdout()).contains("created session s1");
        assertThat(serverPid).as("the first api command autostarts the server: " + create).isPositive();
        // The server it started runs on the shipped runtime, not on some java of the machine.
        assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(serverPid), "exe")).toString())
                .startsWith(prefix.toRealPath().resolve("lib/sandbox-agent/lib/runtime").toString());
        // ... and maps the server's own archive alone, an AOT cache on the runtime's JDK 25 (classes linked ahead of
        // time: less CPU to the first health answer than a static AppCDS archive, docs/benchmarks.md "Server start,
        // session 9"): not the runtime's own (lib/server/classes.jsa), which it replaces (docs/operations.md
        // "Start-up archives").
        String maps = Files.readString(Path.of("/proc", Long.toString(serverPid), "maps"));
        assertThat(maps).contains("lib/sandbox-agent/lib/sandbox-agent-server.aot").doesNotContain("classes.jsa")
                .doesNotContain("sandbox-agent-server.jsa");

        Shell.Result send = Shell.run(env, 60, List.of(launcher.toString(), "api", "sessions", "send-message", "s1",
                "-m", "echo from the tarball", "--wait"));
        assertThat(send.exitCode()).as(send.toString()).isZero();
        assertThat(send.stdout()).contains("assistant: from the tarball", "turn.ended");
        // On its JDK 25, Netty frees direct buffers as on JDK 17 (CleanerJava9, through sun.misc.Unsafe, which the
        // launcher allows), not through the foreign linker's malloc and free, whose ~85 method-handle classes every
        // start generated (docs/benchmarks.md "Idle RSS and start of the distribution, session 18").
        String serverClasses = Files.readString(dir.resolve("classes-" + serverPid + ".log"));
        assertThat(serverClasses).contains(" dev.sandboxagent.server.")
                .contains(" io.netty.util.internal.CleanerJava9 ")
                .doesNotContain(" io.netty.util.internal.CleanerJava24Linker ")
                .doesNotContain(" jdk.internal.foreign.abi.DowncallStub"); // the JVM's own foreign classes load anyway

        // The api archives are trained on the common commands, list among them (bin/sandbox-agent, dist/build.sh):
        // a list loads every class of the jar it needs from the archive, none from the jar itself, also with an
        // option's value to parse (`--url`: the bench's form). That jar is the api jar, the client's classes alone
        // (docs/operations.md).
        Shell.Result list = Shell.run(noJava(Map.of("SANDBOX_AGENT_URL", "http://127.0.0.1:1",
                "SANDBOX_AGENT_JAVA_OPTS", "-Xlog:class+load=info:stdout -XshowSettings:properties")), 60,
                List.of(launcher.toString(), "api", "sessions", "list", "--url", url));
        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.stderr()).contains("java.class.path = "
                + prefix.toRealPath().resolve("lib/sandbox-agent/lib/sandbox-agent-cli.jar") + "\n");
        assertThat(list.stdout()).contains("s1", "dev.sandboxagent.cli.sessions.ListSessionsCommand source: shared "
                + "objects file");
        assertThat(list.stdout().lines().filter(line -> line.contains(" source: file:")))
                .as("classes loaded from the jar instead of the archive").isEmpty();
        // and no Jackson: a list's answer is read by the client's own PlainJson; on this JDK 25 jackson-core's
        // parser also initialised BigDecimal, whose initialiser sets up the common ForkJoinPool (docs/benchmarks.md
        // "CLI round trip, session 11")
        assertThat(list.stdout()).doesNotContain(" com.fasterxml.jackson.")
                .doesNotContain(" java.util.concurrent.ForkJoinPool ");
        // A list maps an archive of its own and the version's classes alone, smaller than that of the other api
        // commands, which a get maps: a JVM maps and relocates the whole archive it is given (bin/sandbox-agent,
        // docs/benchmarks.md "CLI round trip, session 12").
        Path lib = prefix.toRealPath().resolve("lib/sandbox-agent/lib");
        Path readArchive = lib.resolve("sandbox-agent-cli-read.jsa");
        Path apiArchive = lib.resolve("sandbox-agent-cli.jsa");
        Map<String, String> logArchive = noJava(Map.of("SANDBOX_AGENT_URL", url,
                "SANDBOX_AGENT_JAVA_OPTS", "-Xshare:on -Xlog:cds=info:stdout"));
        Shell.Result listArchive = Shell.run(logArchive, 60, List.of(launcher.toString(), "api", "sessions", "list"));
        assertThat(listArchive.exitCode()).as(listArchive.toString()).isZero();
        assertThat(listArchive.stdout()).containsPattern("Opened (shared )?archive (file )?" + readArchive)
                .doesNotContain(apiArchive.toString());
        Shell.Result getArchive = Shell.run(logArchive, 60,
                List.of(launcher.toString(), "api", "sessions", "get", "s1"));
        assertThat(getArchive.exitCode()).as(getArchive.toString()).isZero();
        assertThat(getArchive.stdout()).containsPattern("Opened (shared )?archive (file )?" + apiArchive)
                .doesNotContain(readArchive.toString());
        assertThat(Files.size(readArchive)).isLessThan(Files.size(apiArchive));

        // A client command ends without System.exit's work: from JDK 21 on, Runtime.exit looks up a System.Logger
        // to log the exit, which on the shipped JDK 25 loads and initialises ~300 classes (the logger bootstrap, the
        // method-handle and ClassFile machinery), more than `--version` itself (docs/benchmarks.md "CLI round trip,
        // session 9").
        Shell.Result versionClasses = Shell.run(noJava(Map.of("SANDBOX_AGENT_JAVA_OPTS",
                "-Xlog:class+load=info:stdout")), 60, List.of(launcher.toString(), "--version"));
        assertThat(versionClasses.exitCode()).as(versionClasses.toString()).isZero();
        assertThat(versionClasses.stdout()).containsPattern("(?m)^sandbox-agent ")
                .contains("dev.sandboxagent.cli.Version source: ").doesNotContain(" jdk.internal.logger.");
    }

    @Test
    void checkoutLauncherFindsItsArchiveWithNoProgramOnThePath() throws Exception {
        // The package build also trained the source checkout's api archive, for the JDK running the build (this
        // test's). Every api command pays for what the launcher runs before java, so for a java that is not a link
        // (JAVA_HOME) it runs no other program (docs/benchmarks.md "CLI round trip, session 8"): with nothing on
        // the PATH it still starts the command, from that archive.
        Path launcher = Path.of(System.getProperty("sandbox-agent.repo"), "bin", "sandbox-agent");
        Path nothingOnPath = Files.createDirectories(dir.resolve("empty-path"));
        Shell.Result version = Shell.run(Map.of("PATH", nothingOnPath.toString(), "HOME", dir.resolve("home").toString(),
                "JAVA_HOME", System.getProperty("java.home"),
                "SANDBOX_AGENT_JAVA_OPTS", "-Xshare:on -Xlog:class+load=info:stdout -Xlog:cds=info:stdout"), 60,
                List.of(launcher.toString(), "--version"));
        assertThat(version.exitCode()).as(version.toString()).isZero();
        assertThat(version.stdout()).contains("dev.sandboxagent.cli.Main source: shared objects file")
                .containsPattern("(?m)^sandbox-agent ");
        // The version and list map their archive with G1 (bin/sandbox-agent): its archived Java objects hold the
        // JDK's module graph, which a JVM on Serial GC builds anew at every start (docs/benchmarks.md "CLI round
        // trip, session 12, second pass").
        assertThat(version.stdout()).contains("full module graph: enabled");
    }

    @Test
    void checkoutLauncherFindsTheHomeOfJavaOnPathWithoutReadlink() throws Exception {
        // java on PATH is, as a rule, a chain of links (/usr/bin/java -> /etc/alternatives/java -> the JDK's). The
        // launcher needs the JDK's home to find the checkout's archive; for a link to the java the build made the
        // archives for it finds it with the shell's own `test -ef` against the home the build recorded, without
        // running readlink, whose fork and exec cost as much as the rest of the launcher (docs/benchmarks.md "CLI
        // round trip, session 12"). Here the PATH holds that chain of links and nothing else: no readlink.
        Path launcher = Path.of(System.getProperty("sandbox-agent.repo"), "bin", "sandbox-agent");
        Path realJava = Path.of(System.getProperty("java.home"), "bin", "java").toRealPath();
        Path alternatives = Files.createDirectories(dir.resolve("alternatives"));
        Path onPath = Files.createDirectories(dir.resolve("java-only"));
        Files.createSymbolicLink(onPath.resolve("java"),
                Files.createSymbolicLink(alternatives.resolve("java"), realJava));
        Shell.Result version = Shell.run(Map.of("PATH", onPath.toString(), "HOME", dir.resolve("home").toString(),
                "SANDBOX_AGENT_JAVA_OPTS", "-Xshare:on -Xlog:class+load=info:stdout"), 60,
                List.of(launcher.toString(), "--version"));
        assertThat(version.exitCode()).as(version.toString()).isZero();
        assertThat(version.stdout()).contains("dev.sandboxagent.cli.Main source: shared objects file")
                .containsPattern("(?m)^sandbox-agent ");
    }
}
