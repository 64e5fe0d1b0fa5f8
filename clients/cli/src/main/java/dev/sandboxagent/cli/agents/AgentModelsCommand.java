package dev.sandboxagent.cli.agents;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.cli.args.CommandSpec;
import dev.sandboxagent.cli.args.ParsedArgs;
import dev.sandboxagent.cli.common.CliCommand;
import dev.sandboxagent.cli.common.CliContext;
import dev.sandboxagent.cli.output.Table;
import dev.sandboxagent.client.AgentModels;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** {@code api agents models AGENT}: the agent's models (GET /v1/agents/{agent}/models), for {@code --model}. */
final class AgentModelsCommand implements CliCommand {
    @Override
    public CommandSpec spec() {
        return CommandSpec.command("models")
                .description("List an agent's models (the values of sessions create --model); "
        + "the default one is marked.")
                .argument("AGENT", "The agent, e.g. claude or codex.")
                .options(ApiOptions.ALL)
                .build();
    }

    @Override
    public int run(ParsedArgs args, CliContext context) {
        String agent = args.argument(0);
        Connection connection = ApiOptions.connect(args, context);
        AgentModels models = connection.client().agentModels(agent);
        if (connection.json()) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("models", models.models());
            body.put("defaultModel", models.defaultModel());
            body.put("source", models.source());
            connection.printJson(body);
            return 0;
        }
        Table table = new Table("ID", "DEFAULT");
        for (AgentModels.Model model : models.models()) {
            table.row(model.id(), Objects.equals(model.id(), models.defaultModel()) ? "yes" : "");
        }
        table.print(connection.out());
        return 0;
    }
}
