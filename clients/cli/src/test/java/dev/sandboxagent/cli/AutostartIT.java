package dev.sandboxagent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.cli.support.Launcher;
import dev.sandboxagent.cli.support.Launcher.Result;
import dev.sandboxagent.cli.support.Ports;
import dev.sandboxagent.cli.support.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under Docker Sandboxes nobody may have started the server: the first api command does, in the background, and
 * concurrent first commands start exactly one.
 */
class AutostartIT {
    @TempDir
    Path work;

    @AfterEach
    void noServerLeftBehind() {
        Processes.killAll(Processes.serversFor(work));
    }

    @Test
    void twoConcurrentCommandsStartExactlyOneServerThatOutlivesThem() throws Exception {
        int port = Ports.free();
        Path dataDir = work.resolve("data");
        Launcher api = Launcher.inTemp(work)
                .env("SANDBOX_AGENT_URL", "http://127.0.0.1:" + port)
                .env("SANDBOX_AGENT_DATA_DIR", dataDir.toString());

        Launcher.Started first = api.start("first", "api", "sessions", "list");
        Launcher.Started second = api.start("second", "api", "sessions", "list");
        Result one = first.await(Duration.ofSeconds(90));
        Result two = second.await(Duration.ofSeconds(90));

        assertThat(one.exitCode()).as(one.toString()).isZero();
        assertThat(two.exitCode()).as(two.toString()).isZero();
        assertThat(one.out()).isEqualTo("no sessions\n");
        assertThat(two.out()).isEqualTo("no sessions\n");
        // exactly one of them started it, and said so on stderr
        assertThat(List.of(one.err(), two.err())).filteredOn(e -> e.startsWith("started a sandbox-agent server"))
                .hasSize(1);

        List<ProcessHandle> servers = Processes.serversFor(dataDir);
        assertThat(servers).hasSize(1);
        long pid = Long.parseLong(Files.readString(dataDir.resolve("server.pid")).strip());
        assertThat(servers.get(0).pid()).isEqualTo(pid);
        // started through the launcher, so with the server's heap policy (bin/sandbox-agent), not bare java
        assertThat(Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).split("\0"))
                .contains("-XX:+UseSerialGC", "-XX:MaxRAMPercentage=25", "server");
        String log = Files.readString(dataDir.resolve("server.log"));
        assertThat(log.lines().filter(l -> l.contains("autostarted by"))).hasSize(1);
        // the token it generated is found by later commands without being told
        assertThat(dataDir.resolve("token")).exists();

        // the server outlived both commands and serves the next one without a new start
        Result again = api.run("api", "sessions", "create", "after", "--agent", "mock");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.err()).isEmpty();

        Processes.terminate(servers.get(0), Duration.ofSeconds(30));
        assertThat(dataDir.resolve("server.pid")).doesNotExist();
    }

    @Test
    void noAutostartLeavesItOff() {
        int port = Ports.free();
        Result result = Launcher.inTemp(work)
                .env("SANDBOX_AGENT_URL", "http://127.0.0.1:" + port)
                .env("SANDBOX_AGENT_DATA_DIR", work.resolve("data").toString())
                .run("api", "sessions", "list", "--no-autostart");
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("error: no sandbox-agent server answers at http://127.0.0.1:" + port
                + " (connection refused)\n");
        assertThat(Processes.serversFor(work)).isEmpty();
    }
}
