package dev.sandboxagent.store.internal;

import static dev.sandboxagent.store.StoreTesting.awaitUntil;
import static dev.sandboxagent.store.StoreTesting.numbered;
import static dev.sandboxagent.store.StoreTesting.oneTo;
import static dev.sandboxagent.store.StoreTesting.readAll;
import static dev.sandboxagent.store.StoreTesting.sequences;
import static dev.sandboxagent.store.StoreTesting.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.store.EventDraft;
import dev.sandboxagent.store.SessionRecord;
import dev.sandboxagent.store.StoreException;
import dev.sandboxagent.store.UniversalEvent;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A delete answers at once and its events are removed afterwards in short transactions between the other sessions'
 * commits ({@link SessionRemover}); a restart finishes a removal a stop cut short; a re-created id never sees or loses
 * events to the old session's removal. The files are real SQLite files; what the file holds is read with a
 * connection of the test's own.
 */
class SessionRemovalTest {
    private static final int CHUNK = 1_000;
    private static final int LONG_SESSION = 50_000;

    @TempDir
    Path dataDir;
    SqliteSessionStore store;
    Connection file;

    @AfterEach
    void close() throws SQLException {
        if (store != null) {
            store.close();
        }
        if (file != null) {
            file.close();
        }
    }

    @Test
    void aDeletedSessionsEventsAreAllGoneOnceTheRemovalFinishes() throws Exception {
        store = open(CHUNK);
        store.create(spec("doomed"));
        store.create(spec("kept"));
        fill("doomed", 10_500);
        List<UniversalEvent> kept = store.append("kept", numbered("k", 0, 10)).join();

        assertThat(store.delete("doomed")).isTrue();

        // Gone to every read at once, whatever is still in the file.
        assertThat(store.get("doomed")).isEmpty();
        assertThat(store.list()).extracting(SessionRecord::sessionId).containsExactly("kept");
        assertThat(store.read("doomed", 0, 100)).isEmpty();
        assertThat(store.lastOfTypes("doomed", java.util.Set.of("item.delta"))).isEmpty();
        assertThat(store.append("doomed", numbered("p", 0, 1))).failsWithin(java.time.Duration.ofSeconds(30))
                .withThrowableOfType(ExecutionException.class).withMessageContaining("unknown session 'doomed'");
        assertThat(store.delete("doomed")).as("deleted already").isFalse();

        assertThat(store.awaitRemovals(30_000)).isTrue();
        assertThat(eventsInFile("doomed")).isZero();
        assertThat(rowsInFile("doomed")).as("the mark goes with the last event").isZero();
        assertThat(readAll(store, "kept")).isEqualTo(kept);
    }

    /**
     * The other session appends one event after each of its commits (from the commit listener, so its next append is
     * queued before the commit's listener returns), and each of its commits reads how many of the deleted session's
     * events the file still holds. A delete in one transaction shows as one step from all to none; in chunks, the
     * other session commits between every two chunks, so it sees every chunk's step, none larger than a chunk.
     */
    @Test
    void otherSessionsCommitBetweenChunksOfAtMostTheChunkSize() throws Exception {
        store = open(CHUNK);
        store.create(spec("doomed"));
        store.create(spec("live"));
        fill("doomed", LONG_SESSION);
        List<Long> seen = Collections.synchronizedList(new ArrayList<>());
        store.onCommit(events -> {
            if (!events.get(0).sessionId().equals("live")) {
                return;
            }
            long left = eventsInFile("doomed");
            seen.add(left);
            if (left > 0) {
                store.append("live", numbered("live", seen.size(), 1));
            }
        });
        store.append("live", numbered("live", 0, 1));
        awaitUntil("the live session's commits to see the first chunk go", () -> seen.size() > 3, seen::size);

        assertThat(store.delete("doomed")).isTrue();
        awaitUntil("the removal to finish", () -> !seen.isEmpty() && seen.get(seen.size() - 1) == 0, seen::size);

        List<Long> steps = new ArrayList<>();
        for (int i = 1; i < seen.size(); i++) {
            steps.add(seen.get(i - 1) - seen.get(i));
        }
        assertThat(seen.stream().filter(left -> left > 0 && left < LONG_SESSION).distinct().count())
                .as("commits of the live session between the first and the last chunk, in %s", seen)
                .isGreaterThanOrEqualTo(LONG_SESSION / CHUNK - 1);
        assertThat(steps).as("events removed between two commits of the live session").allMatch(s -> s <= CHUNK);
        assertThat(sequences(readAll(store, "live"))).isEqualTo(oneTo(seen.size()));
        assertThat(store.awaitRemovals(30_000)).isTrue();
        assertThat(rowsInFile("doomed")).isZero();
    }

    /**
     * The writer is held (in a commit listener) right after a first chunk, the store is closed meanwhile, and the
     * writer released once the close has stopped the remover and closed the queue: at most the chunk already queued
     * runs. The reopened store hides the session and finishes its removal.
     */
    @Test
    void aStoreClosedMidRemovalFinishesItWhenReopened() throws Exception {
        store = open(CHUNK);
        store.create(spec("doomed"));
        store.create(spec("live"));
        fill("doomed", LONG_SESSION);
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean holding = new AtomicBoolean();
        store.onCommit(events -> {
            if (!events.get(0).sessionId().equals("live") || holding.get()) {
                return;
            }
            if (eventsInFile("doomed") < LONG_SESSION) {
                holding.set(true);
                held.countDown();
                await(release);
            } else {
                store.append("live", numbered("live", 0, 1));
            }
        });
        store.append("live", numbered("live", 0, 1));
        assertThat(store.delete("doomed")).isTrue();
        assertThat(held.await(30, TimeUnit.SECONDS)).as("a chunk committed").isTrue();

        SqliteSessionStore closing = store;
        Thread closer = new Thread(closing::close, "closer");
        closer.start();
        awaitUntil("the close to close the write queue", () -> refusedAsClosed(closing), closer::getState);
        release.countDown();
        closer.join(30_000);
        store = null;

        long left = eventsInFile("doomed");
        assertThat(left).as("what the stopped removal left").isBetween(1L, (long) LONG_SESSION - CHUNK);
        List<UniversalEvent> live = readAllFromFile("live");

        store = open(CHUNK);
        assertThat(store.get("doomed")).isEmpty();
        assertThat(store.read("doomed", 0, 10)).isEmpty();
        assertThat(store.awaitRemovals(30_000)).isTrue();
        assertThat(eventsInFile("doomed")).isZero();
        assertThat(rowsInFile("doomed")).isZero();
        assertThat(sequences(readAll(store, "live"))).isEqualTo(sequences(live));
    }

    /**
     * Re-created while its old events are still to be removed: the new session sees none of them, starts at sequence
     * 1, and keeps its events when the remover comes to the old session afterwards. Removals go in the order of the
     * deletes, and a longer session deleted first (500 chunks of 100) keeps the remover busy meanwhile.
     */
    @Test
    void aSessionRecreatedDuringItsRemovalSeesOnlyItsNewEventsAndKeepsThem() throws Exception {
        store = open(100);
        store.create(spec("first"));
        store.create(spec("again"));
        fill("first", LONG_SESSION);
        fill("again", 2_000);
        List<String> oldIds = readAll(store, "again").stream().map(UniversalEvent::eventId).toList();

        assertThat(store.delete("first")).isTrue();
        assertThat(store.delete("again")).isTrue();
        store.create(spec("again"));
        List<UniversalEvent> fresh = store.append("again", numbered("new", 0, 5)).join();

        assertThat(eventsInFile("first")).as("the remover has not come to 'again' yet").isPositive();
        assertThat(sequences(fresh)).isEqualTo(oneTo(5));
        assertThat(readAll(store, "again")).isEqualTo(fresh);
        assertThat(store.awaitRemovals(30_000)).isTrue();
        assertThat(readAll(store, "again")).isEqualTo(fresh);
        assertThat(eventsInFile("again")).isEqualTo(5);
        assertThat(eventsInFile("first")).isZero();
        assertThat(fresh).extracting(UniversalEvent::eventId).doesNotContainAnyElementsOf(oldIds);
        assertThat(store.get("again").orElseThrow().lastSequence()).isEqualTo(5);
    }

    private SqliteSessionStore open(int chunkRows) throws SQLException {
        SqliteSessionStore opened = SqliteSessionStore.open(dataDir,
                new SessionRemover.Settings(chunkRows, 20, 100));
        if (file == null) {
            file = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("sessions.db"));
        }
        return opened;
    }

    private void fill(String sessionId, int events) {
        for (int done = 0; done < events; done += 2_000) {
            store.append(sessionId, numbered(sessionId, done, Math.min(2_000, events - done))).join();
        }
    }

    /** An append refused at once as "store is closed" (one still accepted stays queued behind the held writer). */
    private static boolean refusedAsClosed(SqliteSessionStore store) {
        List<EventDraft> one = numbered("late", 0, 1);
        java.util.concurrent.CompletableFuture<List<UniversalEvent>> append = store.append("live", one);
        return append.isDone() && append.handle((ok, failure) -> failure instanceof StoreException e
                && e.getMessage().contains("store is closed")).join();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized long eventsInFile(String sessionId) {
        return count("SELECT count(*) FROM events WHERE session_id = ?", sessionId);
    }

    private synchronized long rowsInFile(String sessionId) {
        return count("SELECT count(*) FROM sessions WHERE session_id = ?", sessionId);
    }

    private long count(String sql, String sessionId) {
        try (PreparedStatement select = file.prepareStatement(sql)) {
            select.setString(1, sessionId);
            try (ResultSet rs = select.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<UniversalEvent> readAllFromFile(String sessionId) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("sessions.db"))) {
            return EventTable.page(c, Schema.VERSION, sessionId, 0, Integer.MAX_VALUE);
        }
    }
}
