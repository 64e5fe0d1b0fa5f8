package dev.sandboxagent.cli.autostart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandboxagent.cli.common.CliException;
import dev.sandboxagent.cli.support.Ports;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rules of autostart that need no real server (AutostartIT runs the real thing). */
class AutostartTest {
    @TempDir
    Path dataDir;

    @Test
    void onlyPlainHttpLoopbackUrlsAreOursToStart() {
        assertThat(Autostart.applies(URI.create("http://127.0.0.1:2468"))).isTrue();
        assertThat(Autostart.applies(URI.create("http://localhost:2468"))).isTrue();
        assertThat(Autostart.applies(URI.create("http://[::1]:2468"))).isTrue();
        assertThat(Autostart.applies(URI.create("http://10.0.0.5:2468"))).isFalse();
        assertThat(Autostart.applies(URI.create("http://sandbox.example:2468"))).isFalse();
        assertThat(Autostart.applies(URI.create("https://127.0.0.1:2468"))).isFalse();
    }

    @Test
    void aServerThatDiesDuringStartIsReportedWithItsLog() throws Exception {
        // "java" that exits at once with code 3, standing in for a server that cannot start
        ServerLaunch failing = new ServerLaunch(List.of(), "/bin/sh", List.of("-c", "exit 3", "--"), "cp", "Main");
        StringWriter err = new StringWriter();
        Autostart autostart = new Autostart(URI.create("http://127.0.0.1:" + Ports.free()), dataDir, null, failing,
                Duration.ofSeconds(20), new PrintWriter(err));
        assertThatThrownBy(autostart::ensureRunning)
                .isInstanceOf(CliException.class)
                .hasMessageContaining("exited with code 3 before it answered; see " + dataDir.resolve("server.log"));
        assertThat(Files.readString(dataDir.resolve("server.log"))).contains("autostarted by sandbox-agent pid");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void theLockMakesASecondStarterWait() throws Exception {
        AutostartLock held = AutostartLock.acquire(dataDir, Duration.ofSeconds(1));
        try {
            assertThatThrownBy(() -> AutostartLock.acquire(dataDir, Duration.ofMillis(200)))
                    .isInstanceOf(CliException.class)
                    .hasMessageContaining("autostart.lock");
        } finally {
            held.close();
        }
        AutostartLock.acquire(dataDir, Duration.ofMillis(200)).close(); // free again once released
    }
}
