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

    @TempDir
    Path tempDir;
    @TempDir
    Path logs;
    Path volume;
    boolean mounted;
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
        assertThat(api.post("/v1/sessions/new", "{\"agent\":\"mock\"}").status()).isEqualTo(503);
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
