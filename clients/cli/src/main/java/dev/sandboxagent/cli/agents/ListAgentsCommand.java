package dev.sandboxagent.cli.agents;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.cli.args.CommandSpec;
import dev.sandboxagent.cli.args.ParsedArgs;
import dev.sandboxagent.cli.common.CliCommand;
import dev.sandboxagent.cli.common.CliContext;
import dev.sandboxagent.cli.output.Table;
import dev.sandboxagent.client.AgentInfo;
import java.util.List;
import java.util.Map;

/** {@code agents list}. */
final class ListAgentsCommand implements CliCommand {
    @Override
    public CommandSpec spec() {
        return CommandSpec.command("list")
                .description("List the agents, whether each is installed and whether its credentials are set.")
                .options(ApiOptions.ALL)
                .build();
    }

    @Override
    public int run(ParsedArgs args, CliContext context) {
        Connection connection = ApiOptions.connect(args, context);
        List<AgentInfo> agents = connection.client().listAgents();
        if (connection.json()) {
            connection.printJson(Map.of("agents", agents));
            return 0;
        }
        Table table = new Table("ID", "NAME", "INSTALLED", "VERSION", "CREDENTIALS");
        for (AgentInfo agent : agents) {
            table.row(agent.id(), agent.name(), agent.installed() ? "yes" : "no", agent.version(),
                    agent.credentialsAvailable() ? "yes" : "no");
        }
        table.print(connection.out());
        return 0;
    }
}
