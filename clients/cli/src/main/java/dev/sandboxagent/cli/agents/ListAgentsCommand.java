package dev.sandboxagent.cli.agents;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.cli.output.Table;
import dev.sandboxagent.client.AgentInfo;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code agents list}. */
@Command(name = "list", description = "List the agents, whether each is installed and whether its credentials are set.")
public final class ListAgentsCommand implements Callable<Integer> {
    @Mixin(name = ApiOptions.MIXIN_NAME)
    ApiOptions api;

    @Override
    public Integer call() {
        Connection connection = api.connect();
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
