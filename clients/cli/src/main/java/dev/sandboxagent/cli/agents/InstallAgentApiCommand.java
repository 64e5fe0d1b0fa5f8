package dev.sandboxagent.cli.agents;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.cli.args.CommandSpec;
import dev.sandboxagent.cli.args.Option;
import dev.sandboxagent.cli.args.ParsedArgs;
import dev.sandboxagent.cli.common.CliCommand;
import dev.sandboxagent.cli.common.CliContext;
import java.util.Map;

/** {@code api agents install AGENT}: has the server install an agent (POST /v1/agents/{agent}/install). */
final class InstallAgentApiCommand implements CliCommand {
    static final Option VERSION = Option.value("--agent-version", "VERSION",
            "The npm version (default: the version this server is tested with).");
    static final Option REINSTALL = Option.flag("--reinstall", "Install even when that version is there already.");

    @Override
    public CommandSpec spec() {
        return CommandSpec.command("install")
                .description("Have the server install an agent's CLI from npm into its agents directory. Waits "
                        + "until it is installed; does nothing when that version is there already.")
                .argument("AGENT", "The agent, e.g. claude or codex.")
                .options(ApiOptions.ALL)
                .options(VERSION, REINSTALL)
                .build();
    }

    @Override
    public int run(ParsedArgs args, CliContext context) {
        String agent = args.argument(0);
        Connection connection = ApiOptions.connect(args, context);
        connection.client().installAgent(agent, args.string(VERSION), args.flag(REINSTALL));
        if (connection.json()) {
            connection.printJson(Map.of("agent", agent, "installed", true));
        } else {
            connection.println(agent + " is installed");
        }
        return 0;
    }
}
