package dev.sandboxagent.server;

import static dev.sandboxagent.server.support.SseReader.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.agents.testing.Eventually;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.Privileges;
import dev.sandboxagent.server.support.ServerProcess;
import dev.sandboxagent.server.support.SseReader;
import dev.sandboxagent.server.support.Transcripts;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real full disk: a server whose data directory is an 8 MB tmpfs, filled up under a streaming turn, then
 * freed, then filled again across restarts. Needs root to mount (skipped otherwise, failed under CI=true).
 */
class FullDiskTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** What every write refused for a full disk answers (a create, a message), whichever part found no room. */
    private static final String DISK_FULL_TYPE = "urn:sandbox-agent:error:store_unavailable";
    private static final String DISK_FULL_TITLE = "Store unavailable";

    @TempDir
    Path tempDir;
    @TempDir
    Path logs;
    Path volume;
    boolean mounted;
    /** A second volume, mounted inside the first by a test that needs it (unmounted first). */
    Path innerVolume;
    ServerProcess server;

    @BeforeEach
    void mountSmallVolume() throws IOException {
        volume = Files.createDirectory(tempDir.resolve("volume"));
        Privileges.Result mount = Privileges.run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", volume.toString());
        mounted = mount.exitCode() == 0;
        Privileges.require(mounted, "cannot mount an 8 MB tmpfs (needs root): " + mount.output());
    }

    @AfterEach
    void unmount() {
        if (server != null) {
            server.close();
        }
        if (innerVolume != null) {
            Privileges.Result umount = Privileges.run("umount", innerVolume.toString());
            assertThat(umount.exitCode()).as("umount: " + umount.output()).isZero();
        }
        if (mounted) {
            Privileges.Result umount = Privileges.run("umount", volume.toString());
            assertThat(umount.exitCode()).as("umount: " + umount.output()).isZero();
        }
    }

    @Test
    void aFullDiskIsToldToStreamsKeepsReadsAndRecoversWhenSpaceReturnsAndAcrossRestarts() throws Exception {
        Path dataDir = volume.resolve("data");
        server = ServerProcess.start(dataDir, logs.resolve("first.log"));
        Api api = server.api();
        api.createSession("old", "mock");
        String remembered = api.sendMessage("old", "echo remember me");
        Transcripts.await(api, "old", Transcripts.turnEnded(remembered));
        List<JsonNode> oldTranscript = api.events("old");
        api.createSession("full", "mock");

        // A turn streams; the disk fills up under it.
        String turnId;
        try (SseReader sse = server.sse("full", null)) {
            turnId = api.sendMessage("full", "stream 300000 0");
            sse.await(type("item.delta"), WAIT);
            fillUp(volume.resolve("filler"));

            JsonNode error = sse.await(type("error"), WAIT);
            assertThat(error.at("/data/code").asText()).isEqualTo("events_not_stored");
            assertThat(error.at("/data/turn_id").asText()).isEqualTo(turnId);
            assertThat(error.at("/data/message").asText()).contains("disk full");
            JsonNode ended = sse.await(e -> type("turn.ended").test(e)
                    && e.at("/data/turn_id").asText().equals(turnId), WAIT);
            assertThat(ended.at("/data/metadata/status").asText()).isEqualTo("error");
            assertThat(sse.comments()).as("told at once, before the store could write it")
                    .anyMatch(c -> c.contains("could not be stored"));
        }
        awaitIdle(api, "full");
        List<JsonNode> stored = api.events("full");
        assertThat(stored.get(stored.size() - 1).get("type").asText()).isEqualTo("turn.ended");
        assertThat(SessionLifecycleTest.sequences(stored)).isEqualTo(SessionLifecycleTest.range(1, stored.size()));

        // Reads are served; writes are refused clearly.
        assertThat(api.get("/v1/health").json().get("store").asText()).isEqualTo("disk_full");
        assertThat(api.events("old")).isEqualTo(oldTranscript);
        assertThat(api.get("/v1/sessions").json().get("sessions")).hasSize(2);
        Api.Answer refused = api.post("/v1/sessions/old/messages", "{\"message\":\"echo no room\"}");
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.json().get("detail").asText()).contains("disk full");
        Api.Answer createRefused = api.post("/v1/sessions/new", "{\"agent\":\"mock\"}");
        assertThat(createRefused.status()).isEqualTo(503);
        assertThat(createRefused.json().get("type").asText()).isEqualTo(DISK_FULL_TYPE);
        assertThat(createRefused.json().get("title").asText()).isEqualTo(DISK_FULL_TITLE);
        assertThat(api.session("old").get("runningTurnId").isNull()).as("a refused message starts no turn").isTrue();

        // Space returns: writes come back by themselves, and the WAL no longer holds the volume.
        Files.delete(volume.resolve("filler"));
        String back = api.sendMessage("old", "echo back again");
        Transcripts.await(api, "old", Transcripts.turnEnded(back));
        assertThat(api.get("/v1/health").json().get("store").asText()).isEqualTo("ok");
        assertThat(Files.size(dataDir.resolve("sessions.db-wal"))).isLessThan(2 * 1024 * 1024);
        List<JsonNode> beforeRestart = api.events("old");

        // Full again, and the server dies: it restarts on the full volume and serves reads. First with the
        // reserve it made again when space returned (opening writes: sessions left active are marked
        // interrupted), then with no reserve and no space at all. (TinyFilesystemTest covers the read-only open.)
        fillUp(volume.resolve("filler"));
        server.kill9();
        for (String run : List.of("second", "third")) {
            fillUp(volume.resolve("filler"));
            server = ServerProcess.start(dataDir, logs.resolve(run + ".log"));
            api = server.api();
            assertThat(api.get("/v1/health").json().get("store").asText()).as(run).isEqualTo("disk_full");
            assertThat(api.events("old")).as(run).isEqualTo(beforeRestart);
            assertThat(api.events("full")).as(run).isEqualTo(stored);
            assertThat(api.get("/v1/sessions").json().get("sessions")).as(run).hasSize(2);
            assertThat(api.post("/v1/sessions/another", "{\"agent\":\"mock\"}").status()).as(run).isEqualTo(503);
            server.kill9();
        }
        assertThat(Files.readString(logs.resolve("second.log"))).contains("with the space of its reserve");

        server = ServerProcess.start(dataDir, logs.resolve("fourth.log"));
        api = server.api();
        Files.delete(volume.resolve("filler"));
        assertThat(api.post("/v1/sessions/after", "{\"agent\":\"mock\"}").status()).isEqualTo(200);
        assertThat(api.events("old")).isEqualTo(beforeRestart);

        // One warning per episode, not one per lost event.
        String firstLog = Files.readString(logs.resolve("first.log"));
        assertThat(firstLog.lines().filter(l -> l.contains("could not be stored")).count()).isLessThanOrEqualTo(2);
        assertThat(firstLog.lines().filter(l -> l.contains("disk full:")).count()).isLessThan(20);
    }

    /**
     * A message to a stored session that is not live (the server restarted) must resume its agent, whose files are
     * prepared before anything is stored: on a full disk that preparation finds no room. The answer is the 503 of
     * every write refused for a full disk, not a 502 of the agent, and nothing is changed (state, events, the
     * agent's files; no agent runs); once space returns the next message resumes the agent and its turn runs.
     */
    @Test
    void aMessageThatMustResumeItsAgentOnAFullDiskIsRefusedAsDiskFullAndResumesOnceSpaceReturns() throws Exception {
        Path dataDir = volume.resolve("data");
        server = ServerProcess.start(dataDir, logs.resolve("first.log"));
        Api api = server.api();
        api.createSession("old", "mock");
        String remembered = api.sendMessage("old", "echo remember me");
        Transcripts.await(api, "old", Transcripts.turnEnded(remembered));
        awaitIdle(api, "old");
        server.terminate();
        server = ServerProcess.start(dataDir, logs.resolve("second.log"));
        api = server.api();
        JsonNode session = api.session("old");
        List<JsonNode> transcript = api.events("old");
        Path stateDir = dataDir.resolve("sessions").resolve("old");
        Map<String, String> agentFiles = filesUnder(stateDir);
        assertThat(agentFiles).as("the mock agent's files of its first run").isNotEmpty();
        // To the last page: a few bytes of the agent's files must not find room in what 64 KiB blocks leave.
        fillUpToTheLastPage(volume.resolve("filler"));

        Api.Answer refused = api.post("/v1/sessions/old/messages", "{\"message\":\"echo no room\"}");

        assertThat(refused.status()).as(refused.toString()).isEqualTo(503);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.json().get("type").asText()).isEqualTo(DISK_FULL_TYPE);
        assertThat(refused.json().get("title").asText()).isEqualTo(DISK_FULL_TITLE);
        assertThat(refused.json().get("detail").asText()).contains("disk full");
        assertThat(api.session("old")).as("the session as it was").isEqualTo(session);
        assertThat(api.events("old")).isEqualTo(transcript);
        assertThat(filesUnder(stateDir)).as("no half-prepared agent files").isEqualTo(agentFiles);
        assertThat(ProcessHandle.of(server.pid()).orElseThrow().descendants())
                .as("no agent left running").isEmpty();

        Files.delete(volume.resolve("filler"));
        String back = api.sendMessage("old", "echo back again");
        Transcripts.await(api, "old", Transcripts.turnEnded(back));
        List<JsonNode> after = api.events("old");
        assertThat(after.subList(0, transcript.size())).isEqualTo(transcript);
        assertThat(after.get(transcript.size()).get("type").asText()).isEqualTo("session.resumed");
        assertThat(SessionLifecycleTest.sequences(after)).isEqualTo(SessionLifecycleTest.range(1, after.size()));
    }

    /**
     * As above, when the agent's files find room (its state directory is on a volume of its own) and the store finds
     * none (restarted on a full disk without its reserve, so refusing writes from the start): the agent that just
     * started is stopped again, and the answer and the session are as above.
     */
    @Test
    void aResumeTheStoreCannotRecordStopsItsAgentAndIsRefusedAsDiskFull() throws Exception {
        Path dataDir = volume.resolve("data");
        java.nio.file.attribute.FileAttribute<?> privateDir = java.nio.file.attribute.PosixFilePermissions
                .asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Path stateRoot = Files.createDirectory(Files.createDirectory(dataDir, privateDir).resolve("sessions"),
                privateDir);
        Privileges.Result mount = Privileges.run("mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs",
                stateRoot.toString());
        assertThat(mount.exitCode()).as("mount: " + mount.output()).isZero();
        innerVolume = stateRoot;
        server = ServerProcess.start(dataDir, logs.resolve("first.log"));
        Api api = server.api();
        api.createSession("old", "mock");
        String remembered = api.sendMessage("old", "echo remember me");
        Transcripts.await(api, "old", Transcripts.turnEnded(remembered));
        awaitIdle(api, "old");
        server.terminate();
        Files.delete(dataDir.resolve("sessions.reserve"));
        fillUpToTheLastPage(volume.resolve("filler"));
        server = ServerProcess.start(dataDir, logs.resolve("second.log"));
        api = server.api();
        assertThat(api.get("/v1/health").json().get("store").asText()).isEqualTo("disk_full");
        JsonNode session = api.session("old");
        List<JsonNode> transcript = api.events("old");

        Api.Answer refused = api.post("/v1/sessions/old/messages", "{\"message\":\"echo no room\"}");

        assertThat(refused.status()).as(refused.toString()).isEqualTo(503);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.json().get("type").asText()).isEqualTo(DISK_FULL_TYPE);
        assertThat(refused.json().get("title").asText()).isEqualTo(DISK_FULL_TITLE);
        assertThat(refused.json().get("detail").asText()).contains("disk full");
        assertThat(ProcessHandle.of(server.pid()).orElseThrow().descendants())
                .as("the agent that started was stopped again").isEmpty();
        assertThat(api.session("old")).as("the session as it was").isEqualTo(session);
        assertThat(api.events("old")).isEqualTo(transcript);

        Files.delete(volume.resolve("filler"));
        String back = api.sendMessage("old", "echo back again");
        Transcripts.await(api, "old", Transcripts.turnEnded(back));
        List<JsonNode> after = api.events("old");
        assertThat(after.subList(0, transcript.size())).isEqualTo(transcript);
        assertThat(after.get(transcript.size()).get("type").asText()).isEqualTo("session.resumed");
        assertThat(api.get("/v1/health").json().get("store").asText()).isEqualTo("ok");
    }

    /** Every regular file under {@code dir} (relative name) with its content. */
    private static Map<String, String> filesUnder(Path dir) throws IOException {
        Map<String, String> files = new java.util.TreeMap<>();
        try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                files.put(dir.relativize(file).toString(), Files.readString(file,
                        java.nio.charset.StandardCharsets.ISO_8859_1));
            }
        }
        return files;
    }

    /**
     * A data directory of an older build on a volume with no room even to bring it up to date, and no reserve left
     * (spent in an earlier episode): the server starts, serves its sessions, events and replay as they were from the
     * old file, refuses writes with 503, and migrates the file when space returns. The file is made as a build of
     * schema 2 left it: the current one without what schema 3 added (sessions.removing).
     */
    @Test
    void aServerStartsOnAFullDiskWithAnOlderDataDirAndMigratesItWhenSpaceReturns() throws Exception {
        Path dataDir = volume.resolve("data");
        server = ServerProcess.start(dataDir, logs.resolve("first.log"));
        Api api = server.api();
        api.createSession("old", "mock");
        String remembered = api.sendMessage("old", "echo remember me");
        Transcripts.await(api, "old", Transcripts.turnEnded(remembered));
        awaitIdle(api, "old");
        server.terminate();
        server = ServerProcess.start(dataDir, logs.resolve("second.log"));
        api = server.api();
        List<JsonNode> transcript = api.events("old");
        JsonNode session = api.session("old");
        server.terminate();
        Path file = dataDir.resolve("sessions.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement statement = c.createStatement()) {
            statement.execute("ALTER TABLE sessions DROP COLUMN removing");
            statement.execute("PRAGMA user_version = 2");
        }
        Files.delete(dataDir.resolve("sessions.reserve"));
        fillUpToTheLastPage(volume.resolve("filler"));

        server = ServerProcess.start(dataDir, logs.resolve("full.log"));
        api = server.api();

        assertThat(api.get("/v1/health").json().get("store").asText()).isEqualTo("disk_full");
        assertThat(api.get("/v1/sessions").json().get("sessions")).singleElement()
                .satisfies(listed -> assertThat(listed.get("sessionId").asText()).isEqualTo("old"));
        assertThat(api.session("old")).isEqualTo(session);
        assertThat(api.events("old")).isEqualTo(transcript);
        try (SseReader replay = server.sse("old", null)) {
            replay.awaitCount(transcript.size(), WAIT);
            assertThat(replay.events()).isEqualTo(transcript);
        }
        // (A message to "old" would first resume its agent, whose files find no room: a 503 as well, see
        // aMessageThatMustResumeItsAgentOnAFullDiskIsRefusedAsDiskFullAndResumesOnceSpaceReturns.)
        Api.Answer refused = api.post("/v1/sessions/new", "{\"agent\":\"mock\"}");
        assertThat(refused.status()).as(refused.toString()).isEqualTo(503);
        assertThat(refused.json().get("detail").asText()).contains("disk full");
        Api.Answer notDeleted = api.delete("/v1/sessions/old");
        assertThat(notDeleted.status()).as(notDeleted.toString()).isEqualTo(503);
        assertThat(api.session("old")).isEqualTo(session);
        assertThat(userVersion(file, true)).as("not migrated: no room").isEqualTo(2);

        Files.delete(volume.resolve("filler"));
        assertThat(api.post("/v1/sessions/new", "{\"agent\":\"mock\"}").status()).isEqualTo(200);

        assertThat(userVersion(file, false)).as("migrated once space returned").isEqualTo(3);
        assertThat(api.get("/v1/health").json().get("store").asText()).isEqualTo("ok");
        assertThat(api.events("old")).isEqualTo(transcript);
        assertThat(api.delete("/v1/sessions/new").status()).isEqualTo(204);
        assertThat(api.get("/v1/sessions/new").status()).isEqualTo(404);
        assertThat(api.get("/v1/sessions").json().get("sessions")).hasSize(1);
    }

    /**
     * The file's schema version, read beside the running server. On a full disk as an immutable file, which writes
     * nothing (not even the shared memory) and reads the file without its WAL: the server has written nothing then.
     */
    private static int userVersion(Path file, boolean diskFull) throws Exception {
        org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
        config.setReadOnly(true);
        config.setOpenMode(org.sqlite.SQLiteOpenMode.OPEN_URI);
        try (Connection c = config.createConnection("jdbc:sqlite:" + file.toUri() + (diskFull ? "?immutable=1" : ""));
             ResultSet rs = c.createStatement().executeQuery("PRAGMA user_version")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** As {@link #fillUp}, then in pages: a migration needs only a few, which 64 KiB blocks can leave. */
    private static void fillUpToTheLastPage(Path filler) {
        try (OutputStream out = Files.newOutputStream(filler)) {
            for (int block : new int[] {64 * 1024, 4 * 1024, 512}) {
                try {
                    while (true) {
                        out.write(new byte[block]);
                    }
                } catch (IOException expected) {
                    // no room for a block of this size: go on with smaller ones
                }
            }
        } catch (IOException expected) {
            // closing may fail as well
        }
    }

    private static void awaitIdle(Api api, String id) throws InterruptedException {
        Eventually.await("the turn of " + id + " ended", WAIT, () -> api.session(id),
                s -> s.get("runningTurnId").isNull());
    }

    /** Writes until the volume has no space left. */
    private static void fillUp(Path filler) {
        byte[] block = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(filler, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException expected) {
            // no space left on device
        }
    }
}
