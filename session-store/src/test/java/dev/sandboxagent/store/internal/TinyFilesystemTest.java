package dev.sandboxagent.store.internal;

import static dev.sandboxagent.store.StoreTesting.bulky;
import static dev.sandboxagent.store.StoreTesting.numbered;
import static dev.sandboxagent.store.StoreTesting.oneTo;
import static dev.sandboxagent.store.StoreTesting.readAll;
import static dev.sandboxagent.store.StoreTesting.sequences;
import static dev.sandboxagent.store.StoreTesting.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sandboxagent.store.EventDraft;
import dev.sandboxagent.store.SessionStore;
import dev.sandboxagent.store.StoreException;
import dev.sandboxagent.store.StoreTesting;
import dev.sandboxagent.store.UniversalEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * A really full disk: the store on a 4 MB tmpfs (room for its 1 MiB reserve) that a filler file fills up. Needs
 * the privilege to mount (root in a container that allows it): skipped elsewhere, failed under CI=true. (A real
 * disk rather than a simulated one: the store has no test hook for it.)
 */
@EnabledOnOs(OS.LINUX)
class TinyFilesystemTest {
    @TempDir
    Path tempDir;
    Path mountPoint;
    boolean mounted;
    SessionStore store;

    @BeforeEach
    void mountTinyFilesystem() throws Exception {
        mountPoint = Files.createDirectory(tempDir.resolve("tiny"));
        String failure = run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint.toString());
        mounted = failure == null;
        if (!mounted && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("cannot mount a tmpfs (CI=true runs as root, where this must work): " + failure);
        }
        assumeTrue(mounted, () -> "cannot mount a tmpfs here (needs root): " + failure);
    }

    @AfterEach
    void unmount() throws Exception {
        if (store != null) {
            store.close();
        }
        if (mounted) {
            assertThat(run("umount", mountPoint.toString())).as("umount " + mountPoint).isNull();
        }
    }

    @Test
    void appendsFailWhileTheDiskIsFullAndResumeWithoutAGapWhenSpaceReturns() throws IOException {
        store = SessionStore.openSqlite(mountPoint.resolve("data"));
        store.create(spec("s"));
        List<UniversalEvent> before = store.append("s", numbered("p", 0, 10)).join();
        Path filler = mountPoint.resolve("filler");
        fillUp(filler);

        CompletableFuture<List<UniversalEvent>> lost = store.append("s", drafts(37));

        assertThat(lost).failsWithin(StoreTesting.DEADLINE)
                .withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(StoreException.class)
                .withMessageContaining("disk full: could not store 37 events of session 's'");
        assertThat(readAll(store, "s")).isEqualTo(before);

        Files.delete(filler);
        List<UniversalEvent> after = store.append("s", drafts(37)).join();

        assertThat(after.get(0).sequence()).isEqualTo(11);
        assertThat(sequences(readAll(store, "s"))).isEqualTo(oneTo(47));
    }

    /** Whether or not they shared a commit, each failed append says what it lost. */
    @Test
    void everyFailedAppendSaysWhatItLost() throws IOException {
        store = SessionStore.openSqlite(mountPoint.resolve("data"));
        store.create(spec("s"));
        store.create(spec("other"));
        Path filler = mountPoint.resolve("filler");
        fillUp(filler);
        List<CompletableFuture<List<UniversalEvent>>> appends = List.of(
                store.append("s", drafts(5)), store.append("other", drafts(3)), store.append("s", drafts(1)));

        assertThat(failureOf(appends.get(0)))
                .hasMessageContaining("disk full: could not store 5 events of session 's'");
        assertThat(failureOf(appends.get(1))).hasMessageContaining("could not store 3 events of session 'other'");
        assertThat(failureOf(appends.get(2))).hasMessageContaining("could not store 1 event of session 's'");

        Files.delete(filler);
        assertThat(sequences(store.append("other", drafts(2)).join())).containsExactly(1L, 2L);
        assertThat(store.read("s", 0, 10)).isEmpty();
    }

    @Test
    void aSynchronousWriteOnAFullDiskFailsClearlyAndChangesNothing() throws IOException {
        store = SessionStore.openSqlite(mountPoint.resolve("data"));
        store.create(spec("s"));
        Path filler = mountPoint.resolve("filler");
        fillUp(filler);

        // The first sessions may still fit in pages and WAL space the file has already; a new page is needed soon.
        StoreException failure = null;
        int created = 0;
        while (failure == null && created < 1_000) {
            try {
                store.create(new dev.sandboxagent.store.SessionSpec("new-" + created, "mock", "build", "default",
                        null, null, null, "a long title ".repeat(100)));
                created++;
            } catch (StoreException e) {
                failure = e;
            }
        }

        assertThat(failure).isNotNull()
                .hasMessageContaining("disk full: could not create session 'new-" + created + "'");
        assertThat(store.get("new-" + created)).isEmpty();
        assertThat(store.list()).hasSize(1 + created);
        Files.delete(filler);
        store.create(spec("new-" + created));
        assertThat(store.get("new-" + created)).isPresent();
    }

    @Test
    void whileFullOnlyEssentialAppendsAreTriedAndSpaceReturningTruncatesTheWal() throws IOException {
        Path dataDir = mountPoint.resolve("data");
        store = SessionStore.openSqlite(dataDir);
        store.create(spec("s"));
        store.append("s", numbered("p", 0, 10)).join();
        assertThat(dataDir.resolve("sessions.reserve")).hasSize(Headroom.RESERVE_BYTES);
        Path filler = mountPoint.resolve("filler");
        fillUp(filler);

        assertThat(store.append("s", drafts(37))).failsWithin(StoreTesting.DEADLINE);
        assertThat(store.diskFull()).isTrue();
        assertThat(dataDir.resolve("sessions.reserve")).as("released for the recovery").doesNotExist();
        // The reserve's space is for what closes a turn, not for more of the same: refused untried.
        assertThat(store.append("s", numbered("p", 10, 1))).failsWithin(StoreTesting.DEADLINE)
                .withThrowableOfType(ExecutionException.class)
                .withMessageContaining("disk full: could not store 1 event of session 's'");
        List<UniversalEvent> recovery = store.appendEssential("s", numbered("recovery", 0, 2)).join();
        assertThat(sequences(recovery)).containsExactly(11L, 12L);
        store.setState("s", dev.sandboxagent.store.SessionState.ENDED);

        Files.delete(filler);
        List<UniversalEvent> after = store.append("s", numbered("p", 11, 1)).join();

        assertThat(after.get(0).sequence()).isEqualTo(13);
        assertThat(store.diskFull()).isFalse();
        assertThat(dataDir.resolve("sessions.reserve")).as("made again").hasSize(Headroom.RESERVE_BYTES);
        assertThat(Files.size(dataDir.resolve("sessions.db-wal"))).as("WAL truncated when space returned")
                .isLessThan(64 * 1024);
        assertThat(sequences(readAll(store, "s"))).isEqualTo(oneTo(13));
    }

    @Test
    void onADiskTooFullToOpenTheStoreUsesItsReserveAndElseOpensReadOnly() throws IOException {
        Path dataDir = mountPoint.resolve("data");
        store = SessionStore.openSqlite(dataDir);
        store.create(spec("s"));
        List<UniversalEvent> stored = store.append("s", numbered("p", 0, 10)).join();
        store.close();
        Path filler = mountPoint.resolve("filler");
        fillUp(filler);

        // The reserve pays for opening (marking the session interrupted writes).
        store = SessionStore.openSqlite(dataDir);
        assertThat(store.diskFull()).isTrue();
        assertThat(readAll(store, "s")).isEqualTo(stored);
        assertThat(store.get("s").orElseThrow().state()).isEqualTo(dev.sandboxagent.store.SessionState.INTERRUPTED);
        store.close();
        fillUp(mountPoint.resolve("more"));

        // No reserve left and no room: read-only, reads served, writes refused clearly.
        store = SessionStore.openSqlite(dataDir);
        assertThat(store.diskFull()).isTrue();
        assertThat(readAll(store, "s")).isEqualTo(stored);
        assertThat(store.list()).hasSize(1);
        assertThat(store.append("s", numbered("p", 10, 1))).failsWithin(StoreTesting.DEADLINE)
                .withThrowableOfType(ExecutionException.class).withMessageContaining("disk full");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.create(spec("new")))
                .isInstanceOf(StoreException.class).hasMessageContaining("disk full");

        Files.delete(filler);
        Files.delete(mountPoint.resolve("more"));
        assertThat(sequences(store.append("s", numbered("p", 10, 1)).join())).containsExactly(11L);
        assertThat(store.diskFull()).isFalse();
    }

    /**
     * Deleting a session while the disk is full: the delete itself is tried (one short transaction), its removal's
     * chunks are refused untried until space returns (they would spend the reserve, and free no space on the volume),
     * retried meanwhile and logged once, and the removal finishes afterwards without touching the other session.
     */
    @Test
    void aRemovalThatFailsOnAFullDiskIsRetriedLoggedOnceAndFinishesWhenSpaceReturns() throws Exception {
        SqliteSessionStore sqlite = SqliteSessionStore.open(mountPoint.resolve("data"),
                new SessionRemover.Settings(200, 20, 50));
        store = sqlite;
        store.create(spec("doomed"));
        store.create(spec("kept"));
        store.append("doomed", numbered("p", 0, 2_000)).join();
        List<UniversalEvent> kept = store.append("kept", numbered("k", 0, 10)).join();
        List<java.util.logging.LogRecord> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(SessionRemover.class.getName());
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                logged.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(handler);
        try {
            Path filler = mountPoint.resolve("filler");
            fillUp(filler);
            assertThat(store.append("kept", drafts(37))).failsWithin(StoreTesting.DEADLINE);
            assertThat(store.diskFull()).isTrue();

            assertThat(store.delete("doomed")).isTrue();
            assertThat(store.get("doomed")).isEmpty();
            assertThat(store.read("doomed", 0, 10)).isEmpty();
            // Tries every 50 ms at most: a second of them, and one warning, naming the session.
            assertThat(sqlite.awaitRemovals(1_000)).as("no removal while the disk is full").isFalse();
            assertThat(logged).filteredOn(r -> r.getLevel() == java.util.logging.Level.WARNING)
                    .singleElement().extracting(java.util.logging.LogRecord::getMessage).asString()
                    .contains("deleted session 'doomed'", "disk full");

            Files.delete(filler);

            assertThat(sqlite.awaitRemovals(StoreTesting.DEADLINE.toMillis())).isTrue();
            assertThat(logged).filteredOn(r -> r.getLevel() == java.util.logging.Level.WARNING).hasSize(1);
            assertThat(logged).filteredOn(r -> r.getLevel() == java.util.logging.Level.INFO)
                    .singleElement().extracting(java.util.logging.LogRecord::getMessage).asString()
                    .contains("deleted session 'doomed' (2000 events) after");
            assertThat(readAll(store, "kept")).isEqualTo(kept);
            try (java.sql.Connection file = java.sql.DriverManager.getConnection(
                    "jdbc:sqlite:" + mountPoint.resolve("data/sessions.db"));
                 java.sql.ResultSet rows = file.createStatement().executeQuery(
                         "SELECT count(*) FROM events WHERE session_id = 'doomed'")) {
                assertThat(rows.getLong(1)).as("events of the deleted session left in the file").isZero();
            }
            store.create(spec("doomed"));
            assertThat(store.read("doomed", 0, 10)).isEmpty();
        } finally {
            log.removeHandler(handler);
        }
    }

    private static void fillUp(Path filler) {
        byte[] block = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException expected) {
            // no space left on device: exactly what we wanted
        }
    }

    private static Throwable failureOf(CompletableFuture<?> future) {
        assertThat(future).failsWithin(StoreTesting.DEADLINE);
        return future.handle((result, failure) -> failure).join();
    }

    private static List<EventDraft> drafts(int count) {
        return Collections.nCopies(count, bulky(8_000));
    }

    /** Runs a command; null when it succeeded, else its exit code and output. */
    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return "timed out";
        }
        return process.exitValue() == 0 ? null : "exit " + process.exitValue() + ": " + output.strip();
    }
}
