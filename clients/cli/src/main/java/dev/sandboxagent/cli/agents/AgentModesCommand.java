package dev.sandboxagent.cli.agents;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.cli.args.CommandSpec;
import dev.sandboxagent.cli.args.ParsedArgs;
import dev.sandboxagent.cli.common.CliCommand;
import dev.sandboxagent.cli.common.CliContext;
import dev.sandboxagent.cli.output.Table;
import dev.sandboxagent.client.AgentMode;
import dev.sandboxagent.client.AgentModes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code api agents modes AGENT}: the agent's modes (GET /v1/agents/{agent}/modes), for {@code --agent-mode}. */
final class AgentModesCommand implements CliCommand {
    @Override
    public CommandSpec spec() {
        return CommandSpec.command("modes")
                .description("List an agent's modes (the values of sessions create --agent-mode).")
                .argument("AGENT", "The agent, e.g. claude or codex.")
                .options(ApiOptions.ALL)
                .build();
    }

    @Override
    public int run(ParsedArgs args, CliContext context) {
        String agent = args.argument(0);
        Connection connection = ApiOptions.connect(args, context);
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
