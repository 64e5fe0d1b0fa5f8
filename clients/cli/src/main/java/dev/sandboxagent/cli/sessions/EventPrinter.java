package dev.sandboxagent.cli.sessions;

import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.cli.output.EventText;
import dev.sandboxagent.client.UniversalEvent;

/** Prints events as they come: a line of text each, or with {@code --json} one JSON object per line (JSONL). */
final class EventPrinter {
    private final Connection connection;

    EventPrinter(Connection connection) {
        this.connection = connection;
    }

    void print(UniversalEvent event) {
        if (connection.json()) {
            connection.printJsonLine(event);
        } else {
            connection.println(EventText.format(event));
        }
    }
}
