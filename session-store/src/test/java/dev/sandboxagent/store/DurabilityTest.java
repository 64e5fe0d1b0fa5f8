package dev.sandboxagent.store;

import static dev.sandboxagent.store.StoreTesting.numbered;
import static dev.sandboxagent.store.StoreTesting.oneTo;
import static dev.sandboxagent.store.StoreTesting.readAll;
import static dev.sandboxagent.store.StoreTesting.sequences;
import static dev.sandboxagent.store.StoreTesting.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurabilityTest {
    @TempDir
    Path dataDir;

    @Test
    void sessionsAndEventsSurviveARestartAndLiveSessionsComeBackInterrupted() {
        List<UniversalEvent> liveEvents;
        List<UniversalEvent> endedEvents;
        try (SessionStore store = SessionStore.openSqlite(dataDir)) {
            store.create(spec("live"));
            store.create(spec("ended"));
            store.create(spec("interrupted"));
            store.setNativeSessionId("live", "native-live");
            liveEvents = store.append("live", numbered("p", 0, 7)).join();
            endedEvents = store.append("ended", numbered("p", 0, 3)).join();
            store.setState("ended", SessionState.ENDED);
            store.setState("interrupted", SessionState.INTERRUPTED);
        }

        try (SessionStore store = SessionStore.openSqlite(dataDir)) {
            assertThat(store.list()).extracting(SessionRecord::sessionId)
                    .containsExactly("live", "ended", "interrupted");
            SessionRecord live = store.get("live").orElseThrow();
            assertThat(live.state()).isEqualTo(SessionState.INTERRUPTED);
            assertThat(live.nativeSessionId()).isEqualTo("native-live");
            assertThat(live.lastSequence()).isEqualTo(7);
            assertThat(store.get("ended").orElseThrow().state()).isEqualTo(SessionState.ENDED);
            assertThat(store.get("interrupted").orElseThrow().state()).isEqualTo(SessionState.INTERRUPTED);
            assertThat(readAll(store, "live")).isEqualTo(liveEvents);
            assertThat(readAll(store, "ended")).isEqualTo(endedEvents);

            List<UniversalEvent> next = store.append("live", numbered("p", 7, 2)).join();

            assertThat(sequences(next)).containsExactly(8L, 9L);
            assertThat(sequences(store.append("ended", List.of(numbered("p", 3))).join())).containsExactly(4L);
            assertThat(store.append("interrupted", List.of(numbered("p", 0))).join())
                    .extracting(UniversalEvent::sequence).containsExactly(1L);
        }
    }

    /** WAL survives in the file header; the schema version lets a later build migrate this file. */
    @Test
    void theFileIsAWriteAheadLoggedDatabaseWithAVersionedSchema() throws Exception {
        try (SessionStore store = SessionStore.openSqlite(dataDir);
             Connection file = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("sessions.db"));
             Statement statement = file.createStatement()) {
            store.create(spec("s"));

            assertThat(single(statement, "PRAGMA journal_mode")).isEqualTo("wal");
            assertThat(single(statement, "PRAGMA user_version")).isEqualTo("3");
            assertThat(single(statement, "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master"
                    + " WHERE type = 'table' ORDER BY name)")).isEqualTo("events,idempotency_keys,sessions");
        }
    }

    @Test
    void closeCommitsEverythingAlreadyQueued() {
        List<CompletableFuture<List<UniversalEvent>>> appends = new ArrayList<>();
        SessionStore store = SessionStore.openSqlite(dataDir);
        store.create(spec("s"));
        for (int i = 0; i < 1_000; i++) {
            appends.add(store.append("s", List.of(numbered("p", i))));
        }

        store.close();

        assertThat(appends).allMatch(append -> append.isDone() && !append.isCompletedExceptionally());
        try (SessionStore reopened = SessionStore.openSqlite(dataDir)) {
            List<UniversalEvent> stored = readAll(reopened, "s");
            assertThat(sequences(stored)).isEqualTo(oneTo(1_000));
            assertThat(stored).extracting(e -> e.data().get("counter").asInt()).isSorted();
        }
    }

    @Test
    void aClosedStoreRefusesWorkClearlyAndClosingTwiceIsHarmless() {
        SessionStore store = SessionStore.openSqlite(dataDir);
        store.create(spec("s"));
        store.close();

        assertThat(store.append("s", List.of(numbered("p", 1))))
                .failsWithin(StoreTesting.DEADLINE)
                .withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(StoreException.class)
                .withMessageContaining("store is closed");
        assertThatThrownBy(() -> store.create(spec("t"))).isInstanceOf(StoreException.class)
                .hasMessageContaining("store is closed");
        assertThatThrownBy(() -> store.get("s")).isInstanceOf(StoreException.class)
                .hasMessageContaining("store is closed");
        store.close();

        try (SessionStore reopened = SessionStore.openSqlite(dataDir)) {
            assertThat(reopened.read("s", 0, 10)).isEmpty();
            assertThat(reopened.get("t")).isEmpty();
        }
    }

    private static String single(Statement statement, String sql) throws SQLException {
        try (ResultSet rs = statement.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }
}
