package dev.sandboxagent.agents;

import dev.sandboxagent.agents.install.NpmPackage;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What {@link CliAgentAdapter} needs to know of an installed agent CLI: all it takes, with the agent's
 * {@link AgentProtocol} and its command line, to list, check, prepare and start the agent.
 *
 * @param id                 the agent's id in the API ("claude")
 * @param displayName        its name for people ("Claude Code")
 * @param npmPackage         where install-agent gets it
 * @param executableVariable the environment variable that overrides which executable runs (tests, templates),
 *                           read by the server's configuration ({@link AgentCatalog#executableVariables()}); it
 *                           is removed from the agent's own environment
 * @param credentialVariables variables any one of which makes credentials available
 * @param capabilities       the anchor's capability flags that are true for it
 * @param agentModes         its agent modes; "plan", when listed, forces the permission mode "plan"
 * @param permissionModes    our permission modes, in the order messages list them, each with the agent's own
 *                           words for it
 * @param defaultModel       the model it runs when none is asked for
 * @param models             the models it lists
 * @param resumeIdPattern    what a native session id to resume looks like
 * @param resumeIdName       its name in messages ("session id", "thread id")
 * @param homeDirName        the agent's private home, under the session's state directory
 * @param stdinPipe          true for a CLI that refuses a terminal on stdin
 * @param readyTimeout       how long a start waits for it to be ready
 */
public record CliLaunchSpec(String id, String displayName, NpmPackage npmPackage, String executableVariable,
                            List<String> credentialVariables, List<String> capabilities,
                            List<AgentDescriptor.AgentMode> agentModes, List<PermissionMode> permissionModes,
                            String defaultModel, List<String> models, Pattern resumeIdPattern, String resumeIdName,
                            String homeDirName, boolean stdinPipe, Duration readyTimeout) {
    public CliLaunchSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(displayName, "displayName");
        Objects.requireNonNull(npmPackage, "npmPackage");
        Objects.requireNonNull(executableVariable, "executableVariable");
        credentialVariables = List.copyOf(credentialVariables);
        capabilities = List.copyOf(capabilities);
        agentModes = List.copyOf(agentModes);
        permissionModes = List.copyOf(permissionModes);
        models = List.copyOf(models);
        Objects.requireNonNull(resumeIdPattern, "resumeIdPattern");
        Objects.requireNonNull(homeDirName, "homeDirName");
        Objects.requireNonNull(readyTimeout, "readyTimeout");
    }

    /**
     * One of our permission modes and the agent's words for it: one or more (Codex needs an approval policy and
     * a sandbox).
     */
    public record PermissionMode(String id, List<String> nativeWords) {
        public PermissionMode {
            Objects.requireNonNull(id, "id");
            nativeWords = List.copyOf(nativeWords);
        }

        public static PermissionMode of(String id, String... nativeWords) {
            return new PermissionMode(id, List.of(nativeWords));
        }
    }

    /** The ids of our permission modes, in order. */
    public List<String> permissionModeIds() {
        return permissionModes.stream().map(PermissionMode::id).toList();
    }

    /** The agent's words for our permission mode {@code id}, or null for a mode it does not have. */
    public List<String> nativePermissionMode(String id) {
        return permissionModes.stream().filter(m -> m.id().equals(id)).findFirst().map(PermissionMode::nativeWords)
                .orElse(null);
    }

    /** The ids of the agent modes. */
    public List<String> agentModeIds() {
        return agentModes.stream().map(AgentDescriptor.AgentMode::id).toList();
    }
}
