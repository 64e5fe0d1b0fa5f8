package dev.sandboxagent.cli.docker;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.client.LineStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code docker logs [--tail N] [--follow]}. */
@Command(name = "logs", description = "Print dockerd's output (the server keeps it in rotated files).")
public final class DockerLogsCommand implements Callable<Integer> {
    @Mixin(name = ApiOptions.MIXIN_NAME)
    ApiOptions api;

    @Option(names = "--tail", paramLabel = "N", defaultValue = "100",
            description = "How many of the newest lines (default: ${DEFAULT-VALUE}).")
    int tail;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new lines until interrupted.")
    boolean follow;

    @Override
    public Integer call() throws Exception {
        Connection connection = api.connect();
        if (!follow) {
            connection.client().dockerLogs(tail).forEach(connection::println);
            return 0;
        }
        try (LineStream stream = connection.client().followDockerLogs(tail, connection::println)) {
            stream.completion().get();
        }
        return 0;
    }
}
