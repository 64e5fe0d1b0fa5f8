package dev.sandboxagent.cli.docker;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.client.LineStream;
import dev.sandboxagent.cli.args.CommandSpec;
import dev.sandboxagent.cli.args.Option;
import dev.sandboxagent.cli.args.ParsedArgs;
import dev.sandboxagent.cli.args.ValueType;
import dev.sandboxagent.cli.common.CliCommand;
import dev.sandboxagent.cli.common.CliContext;

/** {@code docker logs [--tail N] [--follow]}. */
final class DockerLogsCommand implements CliCommand {
    static final Option TAIL = Option.value("--tail", "N", "How many of the newest lines.").ofType(ValueType.INT)
            .defaultValue("100");
    static final Option FOLLOW = Option.flag("-f", "--follow", "Keep printing new lines until interrupted.");

    @Override
    public CommandSpec spec() {
        return CommandSpec.command("logs")
                .description("Print dockerd's output (the server keeps it in rotated files).")
                .options(ApiOptions.ALL)
                .options(TAIL, FOLLOW)
                .build();
    }

    @Override
    public int run(ParsedArgs args, CliContext context) throws Exception {
        int tail = args.integer(TAIL);
        boolean follow = args.flag(FOLLOW);
        Connection connection = ApiOptions.connect(args, context);
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
