package dev.sandboxagent.store.internal;

import static dev.sandboxagent.store.StoreTesting.bulky;
import static dev.sandboxagent.store.StoreTesting.numbered;
import static dev.sandboxagent.store.StoreTesting.oneTo;
import static dev.sandboxagent.store.StoreTesting.readAll;
import static dev.sandboxagent.store.StoreTesting.sequences;
import static dev.sandboxagent.store.StoreTesting.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandboxagent.store.EventDraft;
import dev.sandboxagent.store.OldFormat;
import dev.sandboxagent.store.SessionRecord;
import dev.sandboxagent.store.SessionSpec;
import dev.sandboxagent.store.SessionState;
import dev.sandboxagent.store.SessionStore;
import dev.sandboxagent.store.StoreException;
import dev.sandboxagent.store.StoreTesting;
import dev.sandboxagent.store.UniversalEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sqlite.SQLiteConfig;

/**
 * A really full disk: the store on a 4 MB tmpfs (room for its 1 MiB reserve) that a filler file fills up. Needs
 * the privilege to mount (root in a container that allows it): skipped elsewhere, failed under CI=true. (A real
 * disk rather than a simulated one: the store has no test hook for it.)
 */
@EnabledOnOs(OS.LINUX)
class TinyFilesystemTest {
    private static final ObjectMapper JSON = new ObjectMapper();

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

    /**
     * A data directory of an older schema (before removal marks; schema 1 also before raw apart) on a disk too full
     * even for the reserve: the writer, which migrates, cannot open, so the store serves the file read-only as it
     * is. Every read a user makes answers from the old layout, every write is refused clearly and changes nothing;
     * when space returns, the first write migrates the file (the writer opens then), and nothing is lost.
     */
    @ParameterizedTest(name = "schema {0}")
    @ValueSource(ints = {1, 2})
    void anOlderSchemaOnADiskTooFullToMigrateIsReadOnlyAndMigratesWhenSpaceReturns(int schema) throws Exception {
        Path dataDir = mountPoint.resolve("data");
        Path file = dataDir.resolve("sessions.db");
        List<String[]> events = writeOldDataDir(file, schema);
        SessionRecord old = new SessionRecord(new SessionSpec("old", "mock", "build", "default", "opus", null,
                "/work/project", "the old one"), SessionState.ENDED, "native-1", 3, 1_000, 2_000);
        SessionRecord other = new SessionRecord(new SessionSpec("other", "mock", "plan", "default", null, null, null,
                null), SessionState.ACTIVE, null, 0, 3_000, 3_000);
        Path filler = mountPoint.resolve("filler");
        fillUpToTheLastPage(filler);
        byte[] fileBefore = Files.readAllBytes(file);

        store = SessionStore.openSqlite(dataDir);

        assertThat(store.diskFull()).isTrue();
        assertThat(userVersion(file, true)).as("not migrated: no room").isEqualTo(schema);
        assertServesTheOldData(store, old, other, events);

        assertThat(store.append("old", numbered("p", 0, 1))).failsWithin(StoreTesting.DEADLINE)
                .withThrowableOfType(ExecutionException.class).withMessageContaining("disk full: could not store");
        List<Runnable> writes = List.of(
                () -> store.create(spec("new")),
                () -> store.delete("old"),
                () -> store.setState("other", SessionState.ENDED),
                () -> store.setNativeSessionId("other", "native-2"),
                () -> store.putIdempotencyKeyIfAbsent("other", "k", "w"));
        for (Runnable write : writes) {
            assertThatThrownBy(write::run).isInstanceOf(StoreException.class)
                    .hasMessageContaining("disk full: could not").hasMessageContaining("refuses writes");
        }
        assertServesTheOldData(store, old, other, events);
        assertThat(Files.readAllBytes(file)).as("the file, byte for byte").isEqualTo(fileBefore);

        Files.delete(filler);
        store.create(spec("new"));

        assertThat(store.diskFull()).isFalse();
        assertThat(userVersion(file, false)).as("migrated once space returned").isEqualTo(Schema.VERSION);
        SessionRecord interrupted = new SessionRecord(other.spec(), SessionState.INTERRUPTED, null, 0, 3_000,
                store.get("other").orElseThrow().updatedAt());
        assertThat(store.list()).extracting(SessionRecord::sessionId).containsExactly("old", "other", "new");
        assertServesTheOldData(store, old, interrupted, events);
        assertThat(sequences(store.append("old", numbered("p", 0, 1)).join())).containsExactly(4L);
        // Deletes mark rows now: reads must skip the marked row and its events.
        assertThat(store.delete("other")).isTrue();
        assertThat(store.get("other")).isEmpty();
        assertThat(store.list()).extracting(SessionRecord::sessionId).containsExactly("old", "new");
        store.close();

        store = SessionStore.openSqlite(dataDir);
        assertThat(store.list()).extracting(SessionRecord::sessionId).containsExactly("old", "new");
        List<UniversalEvent> after = readAll(store, "old");
        assertThat(sequences(after)).containsExactly(1L, 2L, 3L, 4L);
        assertEventsAre(after.subList(0, 3), events);
    }

    /**
     * A new data directory on a disk too full to make even its tables (schema version 0, an empty file): an empty
     * store, read-only, until there is room.
     */
    @Test
    void aNewDataDirOnADiskTooFullForItsTablesIsAnEmptyReadOnlyStoreUntilThereIsRoom() throws Exception {
        Path dataDir = mountPoint.resolve("data");
        Path filler = mountPoint.resolve("filler");
        fillUpToTheLastPage(filler);

        store = SessionStore.openSqlite(dataDir);

        assertThat(store.diskFull()).isTrue();
        assertThat(userVersion(dataDir.resolve("sessions.db"), true)).isZero();
        assertThat(store.list()).isEmpty();
        assertThat(store.get("s")).isEmpty();
        assertThat(store.read("s", 0, 10)).isEmpty();
        assertThat(store.lastOfTypes("s", java.util.Set.of("turn.ended"))).isEmpty();
        assertThat(store.idempotencyKey("s", "k")).isEmpty();
        assertThatThrownBy(() -> store.create(spec("s"))).isInstanceOf(StoreException.class)
                .hasMessageContaining("disk full: could not create session 's'");
        assertThat(store.list()).isEmpty();

        Files.delete(filler);
        store.create(spec("s"));

        assertThat(sequences(store.append("s", numbered("p", 0, 2)).join())).containsExactly(1L, 2L);
        assertThat(store.list()).extracting(SessionRecord::sessionId).containsExactly("s");
        assertThat(userVersion(dataDir.resolve("sessions.db"), false)).isEqualTo(Schema.VERSION);
    }

    /** The file as an older build left it (closed cleanly: WAL mode, no WAL), with two sessions and three events. */
    private static List<String[]> writeOldDataDir(Path file, int schema) throws Exception {
        PrivateFiles.createDirectories(file.getParent());
        PrivateFiles.createFileIfAbsent(file);
        JsonNode data = JSON.readTree("{\"delta\":\"h\u00e9llo\",\"item_id\":\"i1\"}");
        JsonNode raw = JSON.readTree("{\"line\":\"{\\\"type\\\":\\\"assistant\\\"}\",\"n\":2.5}");
        JsonNode ended = JSON.readTree("{\"turn_id\":\"turn_1\",\"status\":\"completed\"}");
        // Each: event id, time, type, the event as sent without raw, as sent with raw, raw (or null).
        List<String[]> events = new ArrayList<>();
        for (int sequence = 1; sequence <= 3; sequence++) {
            boolean last = sequence == 3;
            String id = "evt_" + sequence;
            String time = "2026-11-01T10:00:00.00" + sequence + "Z";
            String type = last ? "turn.ended" : "item.delta";
            JsonNode eventRaw = last ? null : raw;
            events.add(new String[] {id, time, type,
                    OldFormat.encode(id, sequence, time, "old", "native-1", "agent", last, type, last ? ended : data,
                            null),
                    OldFormat.encode(id, sequence, time, "old", "native-1", "agent", last, type, last ? ended : data,
                            eventRaw),
                    eventRaw == null ? null : JSON.writeValueAsString(eventRaw)});
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement statement = c.createStatement()) {
            statement.executeQuery("PRAGMA journal_mode = WAL").close();
            for (String sql : OldFormat.SCHEMA_1) {
                statement.execute(sql);
            }
            if (schema >= 2) {
                for (String sql : OldFormat.SCHEMA_2_STEP) {
                    statement.execute(sql);
                }
            }
            statement.execute("INSERT INTO sessions (session_id, agent, agent_mode, permission_mode, model, directory,"
                    + " title, state, native_session_id, last_sequence, created_at, updated_at) VALUES ('old', 'mock',"
                    + " 'build', 'default', 'opus', '/work/project', 'the old one', 'ENDED', 'native-1', 3, 1000,"
                    + " 2000)");
            statement.execute("INSERT INTO sessions (session_id, agent, agent_mode, permission_mode, state,"
                    + " last_sequence, created_at, updated_at)"
                    + " VALUES ('other', 'mock', 'plan', 'default', 'ACTIVE', 0, 3000, 3000)");
            statement.execute("INSERT INTO idempotency_keys (scope, key, value, created_at) VALUES ('old', 'k', 'v',"
                    + " 1000)");
            try (PreparedStatement insert = c.prepareStatement(schema == 1
                    ? "INSERT INTO events (session_id, sequence, event_id, time, type, json)"
                    + " VALUES ('old', ?, ?, ?, ?, ?)"
                    : "INSERT INTO events (session_id, sequence, event_id, time, type, json, raw, format)"
                    + " VALUES ('old', ?, ?, ?, ?, ?, ?, 2)")) {
                for (int i = 0; i < events.size(); i++) {
                    String[] event = events.get(i);
                    insert.setLong(1, i + 1);
                    insert.setString(2, event[0]);
                    insert.setString(3, event[1]);
                    insert.setString(4, event[2]);
                    if (schema == 1) { // raw inside the JSON
                        insert.setString(5, event[4]);
                    } else { // the JSON without raw, raw apart, both as bytes
                        insert.setBytes(5, event[3].getBytes(StandardCharsets.UTF_8));
                        insert.setBytes(6, event[5] == null ? null : event[5].getBytes(StandardCharsets.UTF_8));
                    }
                    insert.execute();
                }
            }
        }
        assertThat(file.resolveSibling("sessions.db-wal")).as("checkpointed at close").doesNotExist();
        return events;
    }

    /** What a user reads of the old data: the sessions, one by one and listed, the events, and the key. */
    private static void assertServesTheOldData(SessionStore store, SessionRecord old, SessionRecord other,
                                               List<String[]> events) {
        assertThat(store.get("old")).contains(old);
        assertThat(store.get("other")).contains(other);
        assertThat(store.get("none")).isEmpty();
        assertThat(store.list()).startsWith(old, other);
        assertEventsAre(store.read("old", 0, 10), events);
        assertEventsAre(store.read("old", 1, 1), events.subList(1, 2));
        assertThat(store.read("other", 0, 10)).isEmpty();
        assertThat(store.lastOfTypes("old", java.util.Set.of("turn.ended")))
                .hasValueSatisfying(e -> assertThat(e.sequence()).isEqualTo(3));
        assertThat(store.lastOfTypes("old", java.util.Set.of("item.delta")))
                .hasValueSatisfying(e -> assertThat(e.eventId()).isEqualTo("evt_2"));
        assertThat(store.idempotencyKey("old", "k")).contains("v");
    }

    private static void assertEventsAre(List<UniversalEvent> read, List<String[]> expected) {
        assertThat(read).hasSameSizeAs(expected);
        for (int i = 0; i < read.size(); i++) {
            UniversalEvent event = read.get(i);
            String[] stored = expected.get(i);
            assertThat(event.eventId()).isEqualTo(stored[0]);
            assertThat(event.time()).isEqualTo(stored[1]);
            assertThat(event.type()).isEqualTo(stored[2]);
            assertThat(new String(event.encoded(), StandardCharsets.UTF_8)).isEqualTo(stored[3]);
            assertThat(new String(event.encoded(true), StandardCharsets.UTF_8)).isEqualTo(stored[4]);
        }
    }

    /**
     * The file's schema version, read beside the open store. On a full disk as an immutable file, which writes
     * nothing (not even the shared memory), and reads the file without its WAL: the store has written nothing then.
     */
    private static int userVersion(Path file, boolean diskFull) throws Exception {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        config.setOpenMode(org.sqlite.SQLiteOpenMode.OPEN_URI);
        try (Connection c = config.createConnection("jdbc:sqlite:" + file.toUri() + (diskFull ? "?immutable=1" : ""));
             ResultSet rs = c.createStatement().executeQuery("PRAGMA user_version")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /**
     * Writes until not even a page is left: after the 64 KiB blocks of {@link #fillUp} there may be room for the few
     * pages a migration writes, which would make a test of the read-only open depend on how full it got.
     */
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
