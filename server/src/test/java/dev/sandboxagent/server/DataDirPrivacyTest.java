package dev.sandboxagent.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandboxagent.agents.testing.Eventually;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.Privileges;
import dev.sandboxagent.server.support.RunningServer;
import dev.sandboxagent.server.support.ServerProcess;
import dev.sandboxagent.server.support.Transcripts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data directory holds transcripts: under a umask of 022, as most login shells set it, nothing in it may be
 * readable by another local user, while a session runs and after.
 */
class DataDirPrivacyTest {
    @TempDir
    Path base;
    @TempDir
    Path logs;

    @Test
    void underUmask022EveryFileIsTheOwnersOnlyAndAnotherUserCannotReadTheTranscript() throws Exception {
        // The parent is open to all, as a home directory often is: only the data dir's own modes protect it.
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path dataDir = base.resolve("data");
        Path warmConfig = base.resolve("warm.json");
        Files.writeString(warmConfig, "{\"processes\": [{\"name\": \"talker\", \"command\": [\"sh\", \"-c\","
                + " \"echo warm output; sleep 600\"]}]}");
        try (ServerProcess server = ServerProcess.start("022", dataDir, logs.resolve("server.log"), Map.of(),
                List.of("warm-config=" + warmConfig))) {
            Api api = server.api();
            api.createSession("private", "mock");
            String turnId = api.sendMessage("private", "echo secret transcript canary");
            Transcripts.await(api, "private", Transcripts.turnEnded(turnId));
            awaitFile(dataDir.resolve("logs").resolve("talker.log"));

            // While the session is live: its agent home, the WAL and the shared-memory file all exist now.
            assertThat(dataDir.resolve("sessions.db-wal")).exists();
            assertThat(dataDir.resolve("sessions.db-shm")).exists();
            assertThat(dataDir.resolve("sessions").resolve("private")).isDirectory();
            assertThat(looseEntries(dataDir)).as("entries readable or writable by group or others").isEmpty();
            assertThat(mode(dataDir)).isEqualTo("rwx------");
            for (String name : List.of("sessions.db", "sessions.db-wal", "sessions.db-shm", "sessions.lock")) {
                assertThat(mode(dataDir.resolve(name))).as(name).isEqualTo("rw-------");
            }
            assertThat(mode(dataDir.resolve("logs").resolve("talker.log"))).isEqualTo("rw-------");

            Privileges.require(Privileges.isRoot(), "reading as another user needs root (runuser)");
            Privileges.require(Privileges.executable("/usr/sbin/runuser") || Privileges.executable("/sbin/runuser"),
                    "runuser is not installed");
            Privileges.require(Privileges.run("id", "-u", "nobody").exitCode() == 0, "there is no user nobody");
            Privileges.Result asNobody = Privileges.run("runuser", "-u", "nobody", "--", "cat",
                    dataDir.resolve("sessions.db").toString());
            assertThat(asNobody.exitCode()).as("cat as nobody: %s", asNobody.output()).isNotZero();
            assertThat(asNobody.output()).doesNotContain("secret transcript canary");
        }
    }

    @Test
    void aDataDirLeftOpenByAnOlderServerIsTightenedAndTheChangesLogged() throws Exception {
        Path dataDir = base.resolve("old");
        try (RunningServer server = RunningServer.start(dataDir)) {
            server.api().createSession("old", "mock");
        }
        // What an older build under umask 022 left behind.
        Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dataDir.resolve("sessions.db"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(dataDir.resolve("sessions"), PosixFilePermissions.fromString("rwxr-xr-x"));

        try (ServerProcess server = ServerProcess.start("022", dataDir, logs.resolve("again.log"), Map.of(),
                List.of())) {
            assertThat(server.api().session("old").get("sessionId").asText()).isEqualTo("old");
            assertThat(looseEntries(dataDir)).isEmpty();
        }
        assertThat(Files.readString(logs.resolve("again.log")))
                .contains("was readable by other users")
                .contains("sessions.db 0644->0600");
    }

    @Test
    void aPrivateDataDirIsNotWalkedAtStartSoWhatAnAgentWroteInItsHomeKeepsItsModes() throws Exception {
        Path dataDir = base.resolve("private");
        try (RunningServer server = RunningServer.start(dataDir)) {
            server.api().createSession("kept", "mock");
        }
        // What an agent writes in its home under umask 022 (docs/operations.md): unreachable for others, since the
        // data directory itself is 0700, so a start has no reason to visit it (a walk of every agent's tree costs a
        // stat per file on every start).
        Path home = Files.createDirectories(dataDir.resolve("sessions").resolve("kept").resolve(".cache"));
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path note = Files.writeString(home.resolve("note.txt"), "agent scratch");
        Files.setPosixFilePermissions(note, PosixFilePermissions.fromString("rw-r--r--"));

        try (ServerProcess server = ServerProcess.start("022", dataDir, logs.resolve("private.log"), Map.of(),
                List.of())) {
            assertThat(server.api().session("kept").get("sessionId").asText()).isEqualTo("kept");
        }
        assertThat(mode(dataDir)).isEqualTo("rwx------");
        assertThat(mode(note)).isEqualTo("rw-r--r--");
        assertThat(mode(home)).isEqualTo("rwxr-xr-x");
        assertThat(Files.readString(logs.resolve("private.log"))).doesNotContain("was readable by other users");
    }

    @Test
    void aDataDirOfAnotherUserThatOthersCanReadIsRefused() throws Exception {
        Privileges.require(Privileges.isRoot(), "giving a directory to another user needs root");
        Path dataDir = Files.createDirectory(base.resolve("theirs"));
        Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Privileges.Result chown = Privileges.run("chown", "nobody", dataDir.toString());
        assertThat(chown.exitCode()).as(chown.output()).isZero();

        assertThatThrownBy(() -> RunningServer.start(dataDir))
                .hasMessageContaining("belongs to nobody")
                .hasMessageContaining("chmod 700");
        assertThat(dataDir.resolve("sessions.db")).doesNotExist();
    }

    private static List<String> looseEntries(Path root) throws IOException {
        List<String> loose = new ArrayList<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.toList()) {
                if (Files.isSymbolicLink(p)) {
                    continue;
                }
                String mode;
                try {
                    mode = mode(p);
                } catch (java.nio.file.NoSuchFileException gone) {
                    continue; // a scratch file removed while we looked
                }
                if (!mode.endsWith("------")) {
                    loose.add(root.relativize(p) + " " + mode);
                }
            }
        }
        return loose;
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    private static void awaitFile(Path file) throws InterruptedException {
        Eventually.until(file + " exists", Duration.ofSeconds(30), () -> Files.exists(file));
    }
}
