package dev.sandboxagent.cli.agents;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.cli.output.Table;
import dev.sandboxagent.client.AgentMode;
import dev.sandboxagent.client.AgentModes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code api agents modes AGENT}: the agent's modes (GET /v1/agents/{agent}/modes), for {@code --agent-mode}. */
@Command(name = "modes", description = "List an agent's modes (the values of sessions create --agent-mode).")
public final class AgentModesCommand implements Callable<Integer> {
    @Mixin(name = ApiOptions.MIXIN_NAME)
    ApiOptions api;

    @Parameters(index = "0", paramLabel = "AGENT", description = "The agent, e.g. claude or codex.")
    String agent;

    @Override
    public Integer call() {
        Connection connection = api.connect();
        AgentModes answer = connection.client().agentModesWithSource(agent);
        List<AgentMode> modes = answer.modes();
        if (connection.json()) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("modes", modes);
            body.put("source", answer.source());
            connection.printJson(body);
            return 0;
        }
        Table table = new Table("ID", "NAME", "DESCRIPTION");
        for (AgentMode mode : modes) {
            table.row(mode.id(), mode.name(), mode.description());
        }
        table.print(connection.out());
        return 0;
    }
}
