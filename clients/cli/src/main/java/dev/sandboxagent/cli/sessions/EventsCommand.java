package dev.sandboxagent.cli.sessions;

import static dev.sandboxagent.schema.EventType.SESSION_ENDED;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.cli.args.CommandSpec;
import dev.sandboxagent.cli.args.Option;
import dev.sandboxagent.cli.args.ParsedArgs;
import dev.sandboxagent.cli.args.UsageException;
import dev.sandboxagent.cli.args.ValueType;
import dev.sandboxagent.cli.common.CliCommand;
import dev.sandboxagent.cli.common.CliContext;
import dev.sandboxagent.client.EventStream;
import dev.sandboxagent.client.EventsPage;
import dev.sandboxagent.client.SessionInfo;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** {@code sessions events ID [--offset N] [--limit N] [--follow]}. */
final class EventsCommand implements CliCommand {
    /** The server's largest page; bigger pages mean fewer round trips for a long transcript. */
    private static final int PAGE = 1000;

    static final Option OFFSET = Option.value("--offset", "N", "Start after the event with this sequence number.")
            .ofType(ValueType.LONG).defaultValue("0");
    static final Option LIMIT = Option.value("--limit", "N", "Print at most N events.").ofType(ValueType.INT);
    static final Option FOLLOW = Option.flag("-f", "--follow", "Keep printing new events as they are stored.");

    private String sessionId;
    private long offset;
    private Integer limit;

    @Override
    public CommandSpec spec() {
        return CommandSpec.command("events")
                .description("Print a session's events (its transcript), oldest first.",
                        "With --follow, keep printing new events as they are stored, until the session ends or "
                                + "Ctrl-C.")
                .argument("ID", "The session.")
                .options(ApiOptions.ALL)
                .options(OFFSET, LIMIT, FOLLOW)
                .build();
    }

    @Override
    public int run(ParsedArgs args, CliContext context) {
        sessionId = args.argument(0);
        offset = args.longValue(OFFSET);
        limit = args.integer(LIMIT);
        boolean follow = args.flag(FOLLOW);
        if (offset < 0) {
            throw new UsageException("--offset must be 0 or more, got " + offset);
        }
        if (limit != null && limit < 1) {
            throw new UsageException("--limit must be 1 or more, got " + limit);
        }
        if (limit != null && follow) {
            throw new UsageException("--limit and --follow cannot be combined");
        }
        Connection connection = ApiOptions.connect(args, context);
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
