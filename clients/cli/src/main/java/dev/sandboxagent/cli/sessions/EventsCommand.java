package dev.sandboxagent.cli.sessions;

import static dev.sandboxagent.schema.EventType.SESSION_ENDED;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.client.EventStream;
import dev.sandboxagent.client.EventsPage;
import dev.sandboxagent.client.SessionInfo;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sessions events ID [--offset N] [--limit N] [--follow]}. */
@Command(name = "events", description = {"Print a session's events (its transcript), oldest first.",
                "With --follow, keep printing new events as they are stored, until the session ends or Ctrl-C."})
public final class EventsCommand implements Callable<Integer> {
    /** The server's largest page; bigger pages mean fewer round trips for a long transcript. */
    private static final int PAGE = 1000;

    @Spec
    CommandSpec spec;

    @Mixin(name = ApiOptions.MIXIN_NAME)
    ApiOptions api;

    @Parameters(index = "0", paramLabel = "ID", description = "The session.")
    String sessionId;

    @Option(names = "--offset", paramLabel = "N", defaultValue = "0",
            description = "Start after the event with this sequence number (default: ${DEFAULT-VALUE}).")
    long offset;

    @Option(names = "--limit", paramLabel = "N", description = "Print at most N events.")
    Integer limit;

    @Option(names = {"--follow", "-f"}, description = "Keep printing new events as they are stored.")
    boolean follow;

    @Override
    public Integer call() {
        if (offset < 0) {
            throw new ParameterException(spec.commandLine(), "--offset must be 0 or more, got " + offset);
        }
        if (limit != null && limit < 1) {
            throw new ParameterException(spec.commandLine(), "--limit must be 1 or more, got " + limit);
        }
        if (limit != null && follow) {
            throw new ParameterException(spec.commandLine(), "--limit and --follow cannot be combined");
        }
        Connection connection = api.connect();
        EventPrinter printer = new EventPrinter(connection);
        if (follow) {
            SessionInfo session = connection.client().getSession(sessionId);
            // An ended session gets no new events: print what there is instead of waiting forever.
            if (!session.ended()) {
                follow(connection, printer);
                return 0;
            }
        }
        printPages(connection, printer);
        return 0;
    }

    private void printPages(Connection connection, EventPrinter printer) {
        long after = offset;
        int left = limit == null ? Integer.MAX_VALUE : limit;
        EventsPage page;
        do {
            page = connection.client().events(sessionId, after, Math.min(left, PAGE));
            page.events().forEach(printer::print);
            after = page.lastSequence(after);
            left -= page.events().size();
        } while (page.hasMore() && left > 0 && !page.events().isEmpty());
        if (page.hasMore() && !connection.json()) {
            connection.note("(more events follow: --offset " + after + ")");
        }
    }

    private void follow(Connection connection, EventPrinter printer) {
        CompletableFuture<Void> ended = new CompletableFuture<>();
        try (EventStream stream = connection.client().streamEvents(sessionId, offset, event -> {
            if (!ended.isDone()) {
                printer.print(event);
                if (SESSION_ENDED.is(event.type())) {
                    ended.complete(null);
                }
            }
        })) {
            CompletableFuture.anyOf(ended, stream.completion()).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }
}
