package dev.sandboxagent.cli.agents;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.cli.output.Table;
import dev.sandboxagent.client.AgentModels;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code api agents models AGENT}: the agent's models (GET /v1/agents/{agent}/models), for {@code --model}. */
@Command(name = "models", description = "List an agent's models (the values of sessions create --model); "
        + "the default one is marked.")
public final class AgentModelsCommand implements Callable<Integer> {
    @Mixin(name = ApiOptions.MIXIN_NAME)
    ApiOptions api;

    @Parameters(index = "0", paramLabel = "AGENT", description = "The agent, e.g. claude or codex.")
    String agent;

    @Override
    public Integer call() {
        Connection connection = api.connect();
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
