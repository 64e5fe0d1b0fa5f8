package dev.sandboxagent.store;

import static dev.sandboxagent.store.StoreTesting.numbered;
import static dev.sandboxagent.store.StoreTesting.readAll;
import static dev.sandboxagent.store.StoreTesting.sequences;
import static dev.sandboxagent.store.StoreTesting.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionRecordsTest {
    @TempDir
    Path dataDir;
    SessionStore store;

    @BeforeEach
    void open() {
        store = SessionStore.openSqlite(dataDir);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void aSessionIsCreatedReadChangedAndDeleted() {
        SessionSpec spec = new SessionSpec("s1", "claude", "build", "default", "sonnet", "fast", "/work/app",
                "Fix the build");
        long before = System.currentTimeMillis();

        SessionRecord created = store.create(spec);

        assertThat(created.spec()).isEqualTo(spec);
        assertThat(created.state()).isEqualTo(SessionState.ACTIVE);
        assertThat(created.nativeSessionId()).isNull();
        assertThat(created.lastSequence()).isZero();
        assertThat(created.createdAt()).isBetween(before, System.currentTimeMillis());
        assertThat(store.get("s1")).contains(created);

        store.setNativeSessionId("s1", "native-123");
        store.setState("s1", SessionState.ENDED);

        SessionRecord changed = store.get("s1").orElseThrow();
        assertThat(changed.spec()).isEqualTo(spec);
        assertThat(changed.state()).isEqualTo(SessionState.ENDED);
        assertThat(changed.nativeSessionId()).isEqualTo("native-123");
        assertThat(changed.createdAt()).isEqualTo(created.createdAt());
        assertThat(changed.updatedAt()).isGreaterThanOrEqualTo(created.updatedAt());

        assertThat(store.delete("s1")).isTrue();
        assertThat(store.get("s1")).isEmpty();
        assertThat(store.list()).isEmpty();
        assertThat(store.delete("s1")).isFalse();
    }

    @Test
    void optionalFieldsMayBeMissing() {
        SessionSpec spec = new SessionSpec("bare", "mock", "build", "default", null, null, null, null);

        store.create(spec);

        assertThat(store.get("bare").orElseThrow().spec()).isEqualTo(spec);
    }

    @Test
    void creatingATakenIdFailsAndLeavesTheOriginalAsItWas() {
        SessionRecord original = store.create(spec("taken"));
        store.append("taken", List.of(numbered("p", 1))).join();
        store.setNativeSessionId("taken", "native-1");
        SessionRecord before = store.get("taken").orElseThrow();

        SessionSpec other = new SessionSpec("taken", "codex", "plan", "bypass", "gpt", null, "/elsewhere", "other");
        assertThatThrownBy(() -> store.create(other))
                .isInstanceOf(SessionExistsException.class)
                .hasMessageContaining("taken");

        assertThat(store.get("taken")).contains(before);
        assertThat(before.spec()).isEqualTo(original.spec());
        assertThat(sequences(readAll(store, "taken"))).containsExactly(1L);
    }

    @Test
    void listsSessionsOldestFirst() {
        for (String id : List.of("c", "a", "b", "e", "d")) {
            store.create(spec(id));
        }

        assertThat(store.list()).extracting(SessionRecord::sessionId).containsExactly("c", "a", "b", "e", "d");
    }

    @Test
    void changingAnUnknownSessionFailsClearly() {
        assertThatThrownBy(() -> store.setState("ghost", SessionState.ENDED))
                .isInstanceOf(StoreException.class).hasMessageContaining("unknown session 'ghost'");
        assertThatThrownBy(() -> store.setNativeSessionId("ghost", "n"))
                .isInstanceOf(StoreException.class).hasMessageContaining("unknown session 'ghost'");
        assertThat(store.get("ghost")).isEmpty();
    }

    @Test
    void deleteRemovesTheEventsAndARecreatedSessionStartsAgainAtOne() {
        store.create(spec("again"));
        List<UniversalEvent> first = store.append("again", numbered("p", 0, 3)).join();
        store.delete("again");

        assertThat(store.read("again", 0, 100)).isEmpty();
        assertThat(store.append("again", List.of(numbered("p", 9))))
                .failsWithin(StoreTesting.DEADLINE)
                .withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(StoreException.class)
                .withMessageContaining("unknown session 'again'");

        store.create(spec("again"));
        List<UniversalEvent> second = store.append("again", numbered("p", 0, 2)).join();

        assertThat(sequences(second)).containsExactly(1L, 2L);
        assertThat(second).extracting(UniversalEvent::eventId)
                .doesNotContainAnyElementsOf(first.stream().map(UniversalEvent::eventId).toList());
        assertThat(store.get("again").orElseThrow().lastSequence()).isEqualTo(2);
    }

    @Test
    void idempotencyKeysKeepTheFirstValueAcrossRestarts() {
        store.create(spec("s"));

        assertThat(store.putIdempotencyKeyIfAbsent("s", "message:k1", "turn_1")).isEmpty();
        assertThat(store.putIdempotencyKeyIfAbsent("s", "message:k1", "turn_2")).contains("turn_1");
        assertThat(store.idempotencyKey("s", "message:k1")).contains("turn_1");
        assertThat(store.idempotencyKey("s", "message:other")).isEmpty();
        assertThat(store.idempotencyKey("other-scope", "message:k1")).isEmpty();

        store.close();
        store = SessionStore.openSqlite(dataDir);

        assertThat(store.idempotencyKey("s", "message:k1")).contains("turn_1");
        assertThat(store.putIdempotencyKeyIfAbsent("s", "message:k1", "turn_3")).contains("turn_1");
    }

    @Test
    void deletingASessionForgetsItsIdempotencyKeysOnly() {
        store.create(spec("gone"));
        store.create(spec("kept"));
        store.putIdempotencyKeyIfAbsent("gone", "k", "v1");
        store.putIdempotencyKeyIfAbsent("kept", "k", "v2");
        store.putIdempotencyKeyIfAbsent("server", "k", "v3");

        store.delete("gone");

        assertThat(store.idempotencyKey("gone", "k")).isEmpty();
        assertThat(store.idempotencyKey("kept", "k")).contains("v2");
        assertThat(store.idempotencyKey("server", "k")).contains("v3");
    }
}
