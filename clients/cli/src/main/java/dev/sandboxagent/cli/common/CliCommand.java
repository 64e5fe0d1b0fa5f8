package dev.sandboxagent.cli.common;

import dev.sandboxagent.cli.args.Command;

/** A {@code sandbox-agent} command: run with a {@link CliContext}. */
public interface CliCommand extends Command<CliContext> {
}
