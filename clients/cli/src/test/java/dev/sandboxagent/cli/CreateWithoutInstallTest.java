package dev.sandboxagent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.cli.support.Cli;
import dev.sandboxagent.cli.support.Cli.Result;
import dev.sandboxagent.cli.support.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code api sessions create --no-install} sends {@code "install": false}: a real server refuses an agent that is
 * not installed (409) instead of installing it. The server's npm is a fake that records being run, so the test
 * also shows that without the flag the same create does try to install.
 */
class CreateWithoutInstallTest {
    @TempDir
    Path dir;

    @Test
    void noInstallRefusesAMissingAgentWhereAPlainCreateInstallsIt() throws Exception {
        Path ran = dir.resolve("npm-ran");
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path npm = bin.resolve("npm");
        Files.writeString(npm, "#!/bin/sh\ntouch '" + ran + "'\nexit 1\n");
        Files.setPosixFilePermissions(npm, PosixFilePermissions.fromString("rwx------"));
        try (TestServer server = TestServer.start(Files.createDirectories(dir.resolve("data")),
                Map.of("PATH", bin + ":/usr/bin:/bin"))) {
            Cli cli = server.cli(Files.createDirectories(dir.resolve("home")));

            Result refused = cli.run("api", "sessions", "create", "nc", "--agent", "claude", "--no-install");
            assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(1);
            assertThat(refused.err()).startsWith("error: agent 'claude' is not installed").endsWith("(409)\n");
            assertThat(ran).doesNotExist();
            assertThat(cli.run("api", "sessions", "get", "nc").exitCode()).isEqualTo(1);

            Result installing = cli.run("api", "sessions", "create", "nc", "--agent", "claude");
            assertThat(installing.exitCode()).as(installing.toString()).isEqualTo(1);
            assertThat(ran).exists();

            // a built-in agent needs no install either way
            assertThat(cli.run("api", "sessions", "create", "m", "--agent", "mock", "--no-install").exitCode())
                    .isZero();
        }
    }
}
