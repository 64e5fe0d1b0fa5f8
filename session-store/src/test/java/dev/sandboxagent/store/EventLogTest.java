package dev.sandboxagent.store;

import static dev.sandboxagent.store.StoreTesting.numbered;
import static dev.sandboxagent.store.StoreTesting.oneTo;
import static dev.sandboxagent.store.StoreTesting.sequences;
import static dev.sandboxagent.store.StoreTesting.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
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
