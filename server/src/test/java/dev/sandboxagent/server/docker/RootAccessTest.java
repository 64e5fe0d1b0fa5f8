package dev.sandboxagent.server.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which way dockerd gets root. Stand-in sudo commands (scripts that answer as sudo would: allowed, or "a password is
 * required") decide, since the test itself runs as root; the template test proves the real sudo of a non-root user.
 */
class RootAccessTest {
    @TempDir
    Path dir;

    private Path sudo(String body) throws Exception {
        Path script = dir.resolve("sudo");
        Files.writeString(script, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    @Test
    void rootNeedsNoSudo() throws Exception {
        RootAccess root = RootAccess.detect(0, 0, sudo("exit 1"));
        assertThat(root.available()).isTrue();
        assertThat(root.viaSudo()).isFalse();
        assertThat(root.asRoot(List.of("dockerd", "-H", "x"))).containsExactly("dockerd", "-H", "x");
    }

    @Test
    void aUserWithPasswordlessSudoRunsDockerdThroughIt() throws Exception {
        Path sudo = sudo("[ \"$1\" = -n ] || exit 9\nexit 0");
        RootAccess root = RootAccess.detect(1000, 1000, sudo);
        assertThat(root.available()).isTrue();
        assertThat(root.asRoot(List.of("dockerd"))).containsExactly(sudo.toString(), "-n", "--", "dockerd");
    }

    @Test
    void aUserWhoseSudoWantsAPasswordGetsTheReason() throws Exception {
        RootAccess root = RootAccess.detect(1000, 1000, sudo("echo 'sudo: a password is required' >&2\nexit 1"));
        assertThat(root.available()).isFalse();
        assertThat(root.unavailableReason()).contains("uid 1000", "passwordless sudo is not allowed",
                "a password is required");
    }

    @Test
    void aUserWithoutSudoGetsTheReason() {
        RootAccess root = RootAccess.detect(1000, 1000, null);
        assertThat(root.available()).isFalse();
        assertThat(root.unavailableReason()).contains("sudo is not installed");
    }
}
