package dev.sandboxagent.cli.agents;

import picocli.CommandLine.Command;

/** {@code sandbox-agent api agents ...}. */
@Command(name = "agents", description = "The agents the server can run.",
        subcommands = {ListAgentsCommand.class, AgentModesCommand.class, AgentModelsCommand.class,
                InstallAgentApiCommand.class})
public final class AgentsCommand {
}
