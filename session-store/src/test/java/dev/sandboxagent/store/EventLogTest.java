package dev.sandboxagent.store;

import static dev.sandboxagent.store.StoreTesting.numbered;
import static dev.sandboxagent.store.StoreTesting.oneTo;
import static dev.sandboxagent.store.StoreTesting.readAll;
import static dev.sandboxagent.store.StoreTesting.sequences;
import static dev.sandboxagent.store.StoreTesting.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;
    SessionStore store;

    @BeforeEach
    void open() {
        store = SessionStore.openSqlite(dataDir);
        store.create(spec("s"));
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void theLastEventOfSomeTypesIsFoundFromTheEndHoweverManyEventsFollowIt() {
        EventDraft started = new EventDraft("turn.started", "daemon", true,
                JSON.createObjectNode().put("turn_id", "turn_1"), null, null);
        EventDraft ended = new EventDraft("turn.ended", "daemon", true,
                JSON.createObjectNode().put("turn_id", "turn_0"), null, null);
        store.append("s", List.of(ended, started)).join();
        // More than the 20,000 events the crash repair used to look back over.
        for (int batch = 0; batch < 25; batch++) {
            store.append("s", numbered("p", batch * 1000, 1000)).join();
        }

        assertThat(store.lastOfTypes("s", java.util.Set.of("turn.started", "turn.ended")))
                .hasValueSatisfying(e -> {
                    assertThat(e.type()).isEqualTo("turn.started");
                    assertThat(e.sequence()).isEqualTo(2);
                    assertThat(e.data().path("turn_id").asText()).isEqualTo("turn_1");
                });
        assertThat(store.lastOfTypes("s", java.util.Set.of("turn.ended"))).hasValueSatisfying(e ->
                assertThat(e.sequence()).isEqualTo(1));
        assertThat(store.lastOfTypes("s", java.util.Set.of("session.ended"))).isEmpty();
        assertThat(store.lastOfTypes("unknown", java.util.Set.of("turn.started"))).isEmpty();
    }

    @Test
    void anAppendComesBackAsTheEventsAClientReads() throws Exception {
        JsonNode data = JSON.readTree("{\"text\":\"héllo \\\"world\\\"\",\"n\":[1,2.5,null,true]}");
        JsonNode raw = JSON.readTree("{\"line\":\"{\\\"type\\\":\\\"assistant\\\"}\"}");
        long before = System.currentTimeMillis();

        List<UniversalEvent> appended = store.append("s", List.of(
                new EventDraft("item.delta", "agent", false, data, raw, "native-1"),
                EventDraft.daemon("turn.ended", JSON.readTree("{\"reason\":\"done\"}")))).join();

        assertThat(appended).hasSize(2);
        UniversalEvent first = appended.get(0);
        assertThat(first.sequence()).isEqualTo(1);
        assertThat(first.sessionId()).isEqualTo("s");
        assertThat(first.nativeSessionId()).isEqualTo("native-1");
        assertThat(first.source()).isEqualTo("agent");
        assertThat(first.synthetic()).isFalse();
        assertThat(first.type()).isEqualTo("item.delta");
        assertThat(first.data()).isEqualTo(data);
        assertThat(first.raw()).isEqualTo(raw);
        assertThat(first.eventId()).matches("evt_[0-9a-f]{32}");
        assertThat(first.time()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(Instant.parse(first.time()).toEpochMilli()).isBetween(before, System.currentTimeMillis());
        UniversalEvent second = appended.get(1);
        assertThat(second.sequence()).isEqualTo(2);
        assertThat(second.source()).isEqualTo("daemon");
        assertThat(second.synthetic()).isTrue();
        assertThat(second.raw()).isNull();
        assertThat(second.eventId()).isNotEqualTo(first.eventId());

        assertThat(store.read("s", 0, 10)).isEqualTo(appended);
        assertThat(store.get("s").orElseThrow().lastSequence()).isEqualTo(2);
    }

    @Test
    void readPagesThroughTheLogInOrder() {
        store.append("s", numbered("p", 0, 25)).join();

        assertThat(sequences(store.read("s", 0, 10))).isEqualTo(oneTo(10));
        assertThat(sequences(store.read("s", 10, 10))).isEqualTo(oneTo(20).subList(10, 20));
        assertThat(sequences(store.read("s", 20, 10))).containsExactly(21L, 22L, 23L, 24L, 25L);
        assertThat(store.read("s", 25, 10)).isEmpty();
        assertThat(store.read("s", 1_000, 10)).isEmpty();
        assertThat(store.read("s", 3, 0)).isEmpty();
        assertThat(store.read("s", 0, 100)).extracting(e -> e.data().get("counter").asInt())
                .isEqualTo(IntStream.range(0, 25).boxed().toList());
    }

    @Test
    void anUnknownSessionHasNoEvents() {
        assertThat(store.read("nobody", 0, 10)).isEmpty();
    }

    /**
     * The writer keeps its INSERT statements across commits. A commit whose insert fails (here a row put in the
     * way by another connection: the primary key refuses the store's row for that sequence) fails its appends,
     * and the commits after it, whether they take the multi-row path (runs of 64 and more) or the one-row path,
     * store their events as if nothing had happened: a statement left half-stepped or finalized by the failure
     * must not be reused as it is.
     */
    @Test
    void aCommitWhoseInsertFailsLeavesTheNextCommitsStoringEveryEvent() throws Exception {
        store.append("s", numbered("p", 0, 1)).join();
        for (long inTheWay : new long[] {2, 2 + 64 + 3}) { // inside the first 64-row INSERT, then in the one-row rest
            try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("sessions.db"));
                 Statement sql = other.createStatement()) {
                sql.execute("PRAGMA busy_timeout = 5000");
                sql.execute("INSERT INTO events (session_id, sequence, event_id, time, type, json) VALUES"
                        + " ('s', " + inTheWay + ", 'evt_in_the_way', '2026-12-02T00:00:00.000Z', 'x', '{}')");
                assertThat(store.append("s", numbered("p", 1, 100))).failsWithin(StoreTesting.DEADLINE);
                sql.execute("DELETE FROM events WHERE event_id = 'evt_in_the_way'");
            }
            assertThat(sequences(readAll(store, "s"))).isEqualTo(oneTo(1));
        }

        store.append("s", numbered("p", 1, 100)).join(); // 64 rows in one INSERT, 36 one by one
        store.append("s", numbered("p", 101, 1)).join();
        store.append("s", numbered("p", 102, 200)).join(); // three 64-row INSERTs, 8 one by one

        List<UniversalEvent> stored = readAll(store, "s");
        assertThat(sequences(stored)).isEqualTo(oneTo(302));
        assertThat(stored).extracting(e -> e.data().path("counter").asInt())
                .isEqualTo(IntStream.range(0, 302).boxed().toList());
    }

    @Test
    void aNegativeLimitIsAProgrammingError() {
        assertThatThrownBy(() -> store.read("s", 0, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void appendingToAnUnknownSessionFailsWithoutStoringAnything() {
        assertThat(store.append("nobody", List.of(numbered("p", 1))))
                .failsWithin(StoreTesting.DEADLINE)
                .withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(StoreException.class)
                .withMessageContaining("unknown session 'nobody'");
        assertThat(store.read("nobody", 0, 10)).isEmpty();
        assertThat(store.get("nobody")).isEmpty();
    }

    @Test
    void anEmptyAppendStoresNothing() {
        assertThat(store.append("s", List.of()).join()).isEmpty();
        assertThat(store.append("s", List.of(numbered("p", 1))).join()).extracting(UniversalEvent::sequence)
                .containsExactly(1L);
    }

    @Test
    void eventsOfOneSessionAreNumberedIndependentlyOfOthers() {
        store.create(spec("t"));
        store.append("s", numbered("p", 0, 3));
        store.append("t", numbered("p", 0, 2));
        List<UniversalEvent> later = store.append("s", numbered("p", 3, 1)).join();

        assertThat(sequences(later)).containsExactly(4L);
        assertThat(sequences(store.read("t", 0, 10))).containsExactly(1L, 2L);
    }
}
