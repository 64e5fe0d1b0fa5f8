package dev.sandboxagent.store.internal;

import static dev.sandboxagent.store.StoreTesting.awaitUntil;
import static dev.sandboxagent.store.StoreTesting.bulky;
import static dev.sandboxagent.store.StoreTesting.numbered;
import static dev.sandboxagent.store.StoreTesting.oneTo;
import static dev.sandboxagent.store.StoreTesting.readAll;
import static dev.sandboxagent.store.StoreTesting.sequences;
import static dev.sandboxagent.store.StoreTesting.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.store.EventDraft;
import dev.sandboxagent.store.SessionSpec;
import dev.sandboxagent.store.StoreException;
import dev.sandboxagent.store.StoreTesting;
import dev.sandboxagent.store.UniversalEvent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk, simulated with SQLite's max_page_count, which fails a write that needs a new page with SQLITE_FULL
 * exactly as a full disk does; {@link TinyFilesystemTest} fills a real filesystem where it can.
 */
class DiskFullTest {
    @TempDir
    Path dataDir;
    SqliteSessionStore store;
    List<List<UniversalEvent>> commits = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void open() {
        store = SqliteSessionStore.open(dataDir);
        store.onCommit(commits::add);
        store.create(spec("s"));
        store.create(spec("other"));
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void aFullDiskFailsTheBatchClearlyAndAppendsResumeWithoutAGapOnceThereIsSpace() {
        List<UniversalEvent> before = store.append("s", numbered("p", 0, 10)).join();
        store.simulateFullDisk(true);

        CompletableFuture<List<UniversalEvent>> tooBig = store.append("s", drafts(37));

        assertThat(tooBig).failsWithin(StoreTesting.DEADLINE)
                .withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(StoreException.class)
                .withMessageContaining("disk full")
                .withMessageContaining("could not store 37 events of session 's'")
                .withMessageContaining(dataDir.resolve("sessions.db").toString());
        assertThat(readAll(store, "s")).isEqualTo(before);
        assertThat(store.get("s").orElseThrow().lastSequence()).isEqualTo(10);

        store.simulateFullDisk(false);
        List<UniversalEvent> after = store.append("s", drafts(37)).join();

        assertThat(after.get(0).sequence()).isEqualTo(11);
        assertThat(sequences(readAll(store, "s"))).isEqualTo(oneTo(47));
        assertThat(store.get("s").orElseThrow().lastSequence()).isEqualTo(47);
        // Listeners run in commit order on one thread: the failed batch would sit between these two.
        awaitUntil("the listener to hear the second commit", () -> commits.size() >= 2, commits::size);
        assertThat(commits).containsExactly(before, after);
    }

    /** Whether or not they shared a commit, each failed append says what it lost. */
    @Test
    void everyFailedAppendSaysWhatItLost() {
        store.simulateFullDisk(true);
        List<CompletableFuture<List<UniversalEvent>>> appends = List.of(
                store.append("s", drafts(5)), store.append("other", drafts(3)), store.append("s", drafts(1)));

        assertThat(failureOf(appends.get(0))).hasMessageContaining("could not store 5 events of session 's'");
        assertThat(failureOf(appends.get(1))).hasMessageContaining("could not store 3 events of session 'other'");
        assertThat(failureOf(appends.get(2))).hasMessageContaining("could not store 1 event of session 's'");

        store.simulateFullDisk(false);
        assertThat(sequences(store.append("other", drafts(2)).join())).containsExactly(1L, 2L);
        assertThat(store.read("s", 0, 10)).isEmpty();
    }

    @Test
    void aSynchronousWriteOnAFullDiskFailsClearlyAndChangesNothing() {
        store.simulateFullDisk(true);

        // The first sessions may still fit in the free space of existing pages; a new page is needed soon.
        StoreException failure = null;
        int created = 0;
        while (failure == null && created < 1_000) {
            try {
                store.create(new SessionSpec("new-" + created, "mock", "build", "default", null, null, null,
                        "a long title ".repeat(100)));
                created++;
            } catch (StoreException e) {
                failure = e;
            }
        }

        assertThat(failure).isNotNull()
                .hasMessageContaining("disk full: could not create session 'new-" + created + "'");
        assertThat(store.get("new-" + created)).isEmpty();
        assertThat(store.list()).hasSize(2 + created);
        store.simulateFullDisk(false);
        store.create(spec("new-" + created));
        assertThat(store.get("new-" + created)).isPresent();
    }

    private static List<EventDraft> drafts(int count) {
        List<EventDraft> drafts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            drafts.add(bulky(8_000));
        }
        return drafts;
    }

    private static Throwable failureOf(CompletableFuture<?> future) {
        assertThat(future).failsWithin(StoreTesting.DEADLINE);
        return future.handle((result, failure) -> failure).join();
    }
}
