package dev.sandboxagent.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The Docker Sandboxes shape, end to end, in Docker-in-Docker: template/Dockerfile built on a stand-in of its base
 * image (see {@link StandInBase}) with the distribution the package phase made, run with the caps, cgroup mount and
 * tmpfs of docs/docker-on-this-machine.md and a named volume for the data directory, then used ONLY through
 * {@code docker exec -u agent} (the local stand-in for {@code docker sandbox exec}). Each numbered step of issue 10
 * is one ordered test and logs "STEP n" to the build output.
 */
@Tag("sandbox")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TemplateIT {
    private static final String TEMPLATE = "sandbox-agent-test/template:it";
    private static final String BUSYBOX = "sandbox-agent-test/busybox:1";
    private static final String FAKE_URL = "http://127.0.0.1:8089";
    private static final List<String> SANDBOX_SHAPE = List.of(
            "--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN", "--cap-add", "SYS_PTRACE", "--cap-add", "MKNOD",
            "--cap-add", "NET_RAW", "--cap-add", "SYS_CHROOT", "--cap-add", "SETFCAP", "--cap-add", "AUDIT_WRITE",
            "--cap-add", "DAC_READ_SEARCH", "--cap-add", "IPC_LOCK", "--cap-add", "SYS_NICE",
            "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
            "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--tmpfs", "/var/lib/docker:size=4g",
            "--network", "none");

    private OuterDocker docker;
    private Path work;
    private final List<String> containers = new ArrayList<>();
    private final List<String> volumes = new ArrayList<>();
    /** The container of steps 1-3 (entrypoint: tini, then the server). */
    private String main;

    static void log(String line) {
        System.out.println("[template-it] " + line);
        System.out.flush();
    }

    @BeforeAll
    void buildTheTemplate() throws Exception {
        OuterDocker.requireMachine();
        Path tarball = Path.of(System.getProperty("sandbox-agent.tarball"));
        Path repo = Path.of(System.getProperty("sandbox-agent.repo")).toRealPath();
        assertThat(tarball).as("the package phase makes the distribution").isRegularFile();
        work = Files.createTempDirectory("sa-tpl-work-");
        docker = OuterDocker.start();
        log("outer dockerd under " + docker.dir());

        long t0 = System.nanoTime();
        String base = StandInBase.build(docker, work);
        log("stand-in base " + base + " ready in " + seconds(t0) + " s");

        t0 = System.nanoTime();
        // Exactly the documented command, plus the stand-in base and one agent (npm runs in the build).
        docker.ok(1800, "build", "-q", "--network", "host", "-f", repo.resolve("template/Dockerfile").toString(),
                "--build-arg", "BASE_IMAGE=" + base, "--build-arg", "AGENTS=claude", "-t", TEMPLATE, repo.toString());
        log("template image built in " + seconds(t0) + " s; size " + imageSize(TEMPLATE) + " MB (stand-in base "
                + imageSize(base) + " MB)");

        Path context = Files.createDirectories(work.resolve("busybox"));
        Files.copy(Path.of("/bin/busybox"), context.resolve("busybox"));
        Files.writeString(context.resolve("Dockerfile"), "FROM scratch\nCOPY busybox /bin/busybox\n"
                + "RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n");
        docker.ok(300, "build", "-q", "-t", BUSYBOX, context.toString());
    }

    @AfterAll
    void cleanUp() throws Exception {
        if (docker == null) {
            return;
        }
        for (String c : containers) {
            docker.docker(120, "rm", "-f", "-v", c);
        }
        for (String v : volumes) {
            docker.docker(60, "volume", "rm", "-f", v);
        }
        docker.close();
        Shell.deleteQuietly(work);
    }

    @Test
    @Order(1)
    void step1_sessionsThroughExec() throws Exception {
        log("STEP 1: mock and Claude Code sessions through docker exec -u agent; events by the CLI and over SSE");
        long started = System.nanoTime();
        main = run("sa-tpl-main", "sa-tpl-data", List.of());
        awaitHealthy(main);
        log("BENCH docker run -> healthy server: " + seconds(started) + " s");
        awaitEngineReady(main);
        log("BENCH docker run -> ready inner engine: " + seconds(started) + " s");
        startFakeProvider(main);

        assertThat(cli(main, "api", "sessions", "create", "m1", "--agent", "mock")).contains("created session m1");
        assertThat(cli(main, "api", "sessions", "send-message", "m1", "-m", "echo hello from the sandbox", "--wait"))
                .contains("assistant: hello from the sandbox", "turn.ended");

        assertThat(cli(main, "api", "sessions", "create", "c1", "--agent", "claude", "--permission-mode", "bypass"))
                .contains("created session c1");
        String reply = cli(main, "api", "sessions", "send-message", "c1", "-m", "hello claude", "--wait");
        assertThat(reply).contains("FAKE_REPLY: you said hello claude (user turns seen: 1)", "turn.ended");

        String events = cli(main, "api", "sessions", "events", "m1");
        assertThat(events).contains("session.started", "assistant: hello from the sandbox", "turn.ended");
        // SSE with curl inside the container, the token read from the data directory as a client in it would.
        Shell.Result sse = exec(main, 60, "sh", "-c", "curl -sN --max-time 5 -H \"Authorization: Bearer $(cat "
                + "/var/lib/sandbox-agent/token)\" http://127.0.0.1:2468/v1/sessions/c1/events/sse; true");
        assertThat(sse.stdout()).contains("id: 1", "\"session.started\"", "FAKE_REPLY: you said hello claude");
        log("STEP 1 passed: mock and claude sessions answered; events read by the CLI and over SSE");
    }

    @Test
    @Order(2)
    void step2_serverIsTheMainProcessAndTheEngineIsWarm() throws Exception {
        log("STEP 2: the server is tini's only child, runs as agent, and Claude's Bash tool runs docker run inside");
        List<String[]> ps = processes(main);
        assertThat(commandOf(ps, "1")).startsWith("/usr/bin/tini -- sandbox-agent server");
        List<String[]> children = ps.stream().filter(p -> p[1].equals("1")).toList();
        assertThat(children).as("PID 1's children: " + describe(children)).hasSize(1);
        assertThat(children.get(0)[3]).contains("sandbox-agent.jar", "server");
        assertThat(children.get(0)[2]).as("the server's user").isEqualTo("agent");
        assertThat(cli(main, "docker", "status")).contains("docker: ready");
        String dockerd = ps.stream().filter(p -> p[3].startsWith("dockerd") || p[3].contains("/dockerd "))
                .map(p -> p[2] + " " + p[3]).findFirst().orElse("none");
        log("inner engine: " + dockerd);

        Shell.Result load = docker.pipeline(300, "docker save " + BUSYBOX + " | docker exec -i -u agent " + main
                + " docker load");
        assertThat(load.exitCode()).as(load.toString()).isZero();
        String reply = cli(main, "api", "sessions", "send-message", "c1", "-m",
                "RUN_BASH: docker run --rm " + BUSYBOX + " echo inner-engine-ok", "--wait");
        assertThat(reply).contains("FAKE_DONE: tool said: inner-engine-ok");
        log("STEP 2 passed: " + children.get(0)[3].substring(0, Math.min(120, children.get(0)[3].length()))
                + " ...; Claude's Bash ran a container in the warm inner engine");
    }

    @Test
    @Order(3)
    void step3_restartKeepsSessionsAndResumesClaude() throws Exception {
        log("STEP 3: docker restart; sessions and transcripts come back from the volume; Claude resumes");
        String before = cli(main, "api", "sessions", "events", "c1");
        docker.ok(180, "restart", main);
        awaitHealthy(main);
        startFakeProvider(main);
        String list = cli(main, "api", "sessions", "list");
        assertThat(list).contains("m1", "c1");
        assertThat(cli(main, "api", "sessions", "events", "m1")).contains("assistant: hello from the sandbox");
        String after = cli(main, "api", "sessions", "events", "c1");
        assertThat(after).startsWith(before.strip());
        String reply = cli(main, "api", "sessions", "send-message", "c1", "-m", "after the restart", "--wait");
        Matcher turns = Pattern.compile("you said after the restart \\(user turns seen: (\\d+)\\)").matcher(reply);
        assertThat(turns.find()).as(reply).isTrue();
        assertThat(Integer.parseInt(turns.group(1))).as("the conversation continued: earlier turns were sent")
                .isGreaterThan(1);

        List<Long> roundTrips = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            long t = System.nanoTime();
            cli(main, "api", "sessions", "list");
            roundTrips.add((System.nanoTime() - t) / 1_000_000);
        }
        List<Long> sorted = roundTrips.stream().sorted().toList();
        log("BENCH docker exec -u agent ... sandbox-agent api sessions list, 20 runs: p50 " + sorted.get(9)
                + " ms, min " + sorted.get(0) + " ms, max " + sorted.get(19) + " ms");
        log("STEP 3 passed: " + list.lines().count() + " list lines after restart; Claude saw "
                + turns.group(1) + " user turns");
    }

    @Test
    @Order(4)
    void step4_firstExecsStartExactlyOneServer() throws Exception {
        log("STEP 4: main process `sleep infinity`; five concurrent first execs start exactly one server and the engine");
        String other = run("sa-tpl-sleep", "sa-tpl-data-sleep", List.of("sleep", "infinity"));
        Shell.Result none = exec(other, 30, "curl", "-sf", "http://127.0.0.1:2468/v1/health");
        assertThat(none.exitCode()).as("no server before the first exec").isNotZero();
        // The fresh volume takes the image's data directory as it is: private before any server ran (a 0755 one
        // would be repaired by the first start, after it had been readable by every user of the sandbox).
        Shell.Result mode = exec(other, 30, "stat", "-c", "%a %U", "/var/lib/sandbox-agent");
        assertThat(mode.stdout().trim()).as(mode.toString()).isEqualTo("700 agent");

        ExecutorService pool = Executors.newFixedThreadPool(5);
        try {
            List<Future<Shell.Result>> results = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                Callable<Shell.Result> call = () -> exec(other, 180, "sandbox-agent", "api", "sessions", "list");
                results.add(pool.submit(call));
            }
            for (Future<Shell.Result> result : results) {
                Shell.Result r = result.get();
                assertThat(r.exitCode()).as(r.toString()).isZero();
            }
        } finally {
            pool.shutdownNow();
        }
        List<String[]> servers = processes(other).stream()
                .filter(p -> p[3].contains("sandbox-agent.jar") && p[3].contains(" server")).toList();
        assertThat(servers).as("servers: " + describe(servers)).hasSize(1);
        assertThat(servers.get(0)[2]).isEqualTo("agent");
        awaitEngineReady(other);
        assertThat(cli(other, "api", "sessions", "create", "s4", "--agent", "mock")).contains("created session s4");
        log("STEP 4 passed: one server (pid " + servers.get(0)[0] + ") for five concurrent first execs; engine ready");
    }

    @Test
    @Order(5)
    void step5_theClaudeWrapperAsMainProcessStartsTheServer() throws Exception {
        log("STEP 5: `claude` (the template's wrapper) as the main process starts the server; real claude stays reachable");
        String wrapped = run("sa-tpl-claude", "sa-tpl-data-claude",
                List.of("--entrypoint", "claude"), List.of("--dangerously-skip-permissions"));
        awaitHealthy(wrapped);
        List<String[]> ps = processes(wrapped);
        assertThat(commandOf(ps, "1")).startsWith("/usr/bin/tini -- sandbox-agent server");
        assertThat(cli(wrapped, "api", "sessions", "create", "s5", "--agent", "mock")).contains("created session s5");
        Shell.Result real = exec(wrapped, 120, "claude", "--version");
        assertThat(real.exitCode()).as(real.toString()).isZero();
        assertThat(real.stdout()).contains("Claude Code");
        log("STEP 5: PID 1 is `" + commandOf(ps, "1") + "`; `claude --version` in an exec: " + real.stdout().strip());

        // As Docker Sandboxes does it: the runtime's init is PID 1 and starts `claude` as its child.
        String underInit = run("sa-tpl-claude-init", "sa-tpl-data-claude-init",
                List.of("--entrypoint", "/usr/bin/tini"), List.of("--", "claude"));
        awaitHealthy(underInit);
        List<String[]> children = processes(underInit).stream().filter(p -> p[1].equals("1")).toList();
        assertThat(children).as("PID 1's children: " + describe(children)).hasSize(1);
        assertThat(children.get(0)[3]).contains("sandbox-agent.jar", "server");
        log("STEP 5 passed: `claude` as PID 1 and `claude` as the only child of an init both became the server");
    }

    // --- helpers

    /** docker run -d in the sandbox shape; {@code options} go before the image, {@code command} after it. */
    private String run(String name, String volume, List<String> command) {
        return run(name, volume, List.of(), command);
    }

    private String run(String name, String volume, List<String> options, List<String> command) {
        docker.docker(60, "rm", "-f", "-v", name);
        docker.docker(60, "volume", "rm", "-f", volume);
        List<String> args = new ArrayList<>(List.of("run", "-d", "--name", name));
        args.addAll(SANDBOX_SHAPE);
        args.addAll(List.of("-v", volume + ":/var/lib/sandbox-agent"));
        args.addAll(options);
        args.add(TEMPLATE);
        args.addAll(command);
        containers.add(name);
        volumes.add(volume);
        docker.ok(120, args.toArray(String[]::new));
        return name;
    }

    private Shell.Result exec(String container, long seconds, String... command) {
        List<String> args = new ArrayList<>(List.of("exec", "-u", "agent", "-e", "ANTHROPIC_API_KEY=sk-ant-fake-key",
                "-e", "ANTHROPIC_BASE_URL=" + FAKE_URL, container));
        args.addAll(Arrays.asList(command));
        return docker.docker(seconds, args.toArray(String[]::new));
    }

    /** {@code sandbox-agent ARGS} through docker exec as agent; fails the test unless it succeeds. */
    private String cli(String container, String... args) {
        List<String> command = new ArrayList<>(List.of("sandbox-agent"));
        command.addAll(Arrays.asList(args));
        Shell.Result r = exec(container, 240, command.toArray(String[]::new));
        assertThat(r.exitCode()).as("sandbox-agent " + String.join(" ", args) + ": " + r).isZero();
        return r.stdout();
    }

    private void awaitHealthy(String container) throws Exception {
        long deadline = System.nanoTime() + 180_000_000_000L;
        while (exec(container, 30, "curl", "-sf", "http://127.0.0.1:2468/v1/health").exitCode() != 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no healthy server in " + container + ":\n"
                        + docker.docker(30, "logs", container).all());
            }
            Thread.sleep(250);
        }
    }

    private void awaitEngineReady(String container) throws Exception {
        long deadline = System.nanoTime() + 180_000_000_000L;
        String status = "";
        while (!(status = exec(container, 60, "sandbox-agent", "docker", "status").stdout()).contains("docker: ready")) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the inner engine of " + container + " is not ready: " + status + "\n"
                        + docker.docker(30, "logs", container).all());
            }
            Thread.sleep(250);
        }
    }

    /** The fake Anthropic API inside the container, on its loopback, started (again) through exec. */
    private void startFakeProvider(String container) throws Exception {
        Path script = work.resolve("fake-anthropic.js");
        Files.write(script, StandInBase.resource("fake-anthropic.js"));
        Shell.Result copy = docker.pipeline(60, "docker exec -i -u agent " + container
                + " sh -c 'cat > /tmp/fake-anthropic.js' < " + script);
        assertThat(copy.exitCode()).as(copy.toString()).isZero();
        docker.ok(60, "exec", "-d", "-u", "agent", container, "sh", "-c",
                "node /tmp/fake-anthropic.js 8089 > /tmp/fake-anthropic.log 2>&1");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (exec(container, 30, "curl", "-s", "-o", "/dev/null", FAKE_URL + "/").exitCode() != 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the fake provider did not start: "
                        + exec(container, 30, "cat", "/tmp/fake-anthropic.log").all());
            }
            Thread.sleep(100);
        }
    }

    /** {pid, ppid, user, args} of every process in the container. */
    private List<String[]> processes(String container) {
        Shell.Result ps = exec(container, 60, "ps", "-eo", "pid=,ppid=,user:32=,args=");
        assertThat(ps.exitCode()).as(ps.toString()).isZero();
        return ps.stdout().lines().map(String::strip).filter(l -> !l.isEmpty())
                .map(l -> l.split("\\s+", 4)).filter(p -> p.length == 4).toList();
    }

    private static String commandOf(List<String[]> ps, String pid) {
        return ps.stream().filter(p -> p[0].equals(pid)).map(p -> p[3]).findFirst().orElse("");
    }

    private static String describe(List<String[]> ps) {
        return ps.stream().map(p -> String.join(" ", p)).toList().toString();
    }

    private String imageSize(String image) {
        String bytes = docker.ok(60, "image", "inspect", "-f", "{{.Size}}", image).strip();
        return Long.toString(Long.parseLong(bytes) / 1_000_000);
    }

    private static String seconds(long startNanos) {
        return String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - startNanos) / 1e9);
    }
}
