package dev.sandboxagent.cli.sessions;

import static dev.sandboxagent.schema.EventType.SESSION_ENDED;
import static dev.sandboxagent.schema.EventType.TURN_STARTED;

import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.cli.common.CliException;
import dev.sandboxagent.client.EventStream;
import dev.sandboxagent.client.UniversalEvent;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Prints one turn's events as they are stored, from its {@code turn.started} to its {@code turn.ended}, then
 * reports how the turn ended. Events before the turn's start (when reading from an earlier offset) are skipped.
 */
final class TurnFollower {
    private final Connection connection;
    private final EventPrinter printer;

    TurnFollower(Connection connection) {
        this.connection = connection;
        this.printer = new EventPrinter(connection);
    }

    /**
     * @param offset a sequence at or before the turn's first event: the session's event count taken before the
     *               message was sent, or 0 when that is not known (a retried idempotent message may name an older
     *               turn)
     */
    void follow(String sessionId, String turnId, long offset) {
        CompletableFuture<UniversalEvent> last = new CompletableFuture<>();
        boolean[] inTurn = {false}; // only touched on the stream's thread
        try (EventStream stream = connection.client().streamEvents(sessionId, offset, event -> {
            if (last.isDone()) {
                return;
            }
            if (!inTurn[0]) {
                inTurn[0] = TURN_STARTED.is(event.type()) && turnId.equals(event.turnId());
                if (!inTurn[0] && !SESSION_ENDED.is(event.type())) {
                    return;
                }
            }
            printer.print(event);
            if (event.endsTurn(turnId) || SESSION_ENDED.is(event.type())) {
                last.complete(event);
            }
        })) {
            CompletableFuture.anyOf(last, stream.completion()).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
        UniversalEvent end = last.getNow(null);
        if (end == null) {
            throw new CliException("the event stream ended before turn " + turnId + " did");
        }
        if (SESSION_ENDED.is(end.type())) {
            throw new CliException("session " + sessionId + " ended before turn " + turnId + " did ("
                    + end.data().path("reason").asText("unknown reason") + ")");
        }
        String status = end.data().path("metadata").path("status").asText("unknown");
        if (!"completed".equals(status)) {
            throw new CliException("turn " + turnId + " ended: " + status);
        }
    }
}
