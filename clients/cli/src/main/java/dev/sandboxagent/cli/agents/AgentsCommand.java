package dev.sandboxagent.cli.agents;

import dev.sandboxagent.cli.args.CommandSpec;
import dev.sandboxagent.cli.common.CliCommand;

/** {@code sandbox-agent api agents ...}. */
public final class AgentsCommand implements CliCommand {
    @Override
    public CommandSpec spec() {
        return CommandSpec.command("agents")
                .description("The agents the server can run.")
                .subcommands("list", "modes", "models", "install")
                .build();
    }

    @Override
    public CliCommand subcommand(String name) {
        return switch (name) {
            case "list" -> new ListAgentsCommand();
            case "modes" -> new AgentModesCommand();
            case "models" -> new AgentModelsCommand();
            case "install" -> new InstallAgentApiCommand();
            default -> null;
        };
    }
}
