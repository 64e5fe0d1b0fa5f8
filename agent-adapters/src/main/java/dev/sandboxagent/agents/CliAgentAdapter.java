package dev.sandboxagent.agents;

import dev.sandboxagent.agents.install.Installation;
import dev.sandboxagent.agents.install.NpmPackage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An installed agent CLI (Claude Code, Codex, ...): the prelude every one shares, driven by its
 * {@link CliLaunchSpec}, then {@link TerminalAgentProcess} with the agent's {@link AgentProtocol}. The prelude
 * checks the agent mode, maps the permission mode, checks the id to resume, finds the executable (or says how to
 * install it), makes the agent's private home, strips the override variable from its environment and looks for
 * the transcript to resume. A subclass gives only its command line and protocol ({@link #command}) and where its
 * transcripts are ({@link #hasTranscript}).
 */
public abstract class CliAgentAdapter implements AgentAdapter {
    private static final System.Logger LOG = System.getLogger(CliAgentAdapter.class.getName());
    private final AgentContext context;
    private final CliLaunchSpec spec;

    protected CliAgentAdapter(AgentContext context, CliLaunchSpec spec) {
        this.context = Objects.requireNonNull(context, "context");
        this.spec = Objects.requireNonNull(spec, "spec");
    }

    /**
     * What the prelude settled for one start.
     *
     * @param executable           what to run
     * @param home                 the agent's private home (exists)
     * @param directory            the working directory
     * @param permissionMode       ours (after the agent mode's say)
     * @param nativePermissionMode the agent's words for it
     * @param resumeId             the native session id asked to resume, or null
     * @param transcriptFound      true when the agent kept that conversation, so it can resume it
     * @param environment          the request's environment without the override variable (credentials: memory only)
     */
    public record Prepared(AgentLaunch launch, Path executable, Path home, Path directory, String agentMode,
                           String permissionMode, List<String> nativePermissionMode, String resumeId,
                           boolean transcriptFound, Map<String, String> environment) {
        public Prepared {
            nativePermissionMode = List.copyOf(nativePermissionMode);
            environment = Map.copyOf(environment);
        }

        /** The model asked for, or {@code fallback} when none (or "default") was. */
        public String modelOr(String fallback) {
            String model = launch.model();
            return model == null || model.isBlank() || model.equals("default") ? fallback : model;
        }

        /** Never prints the environment: it carries credentials. */
        @Override
        public String toString() {
            return "Prepared[" + executable + ", home=" + home + ", resume=" + resumeId + ", transcriptFound="
                    + transcriptFound + ", environment=" + environment.keySet() + "]";
        }
    }

    /** The whole command line, the whole environment, and a fresh protocol for one process. */
    public record Command(List<String> command, Map<String, String> environment, AgentProtocol protocol) {
        public Command {
            command = List.copyOf(command);
            environment = Map.copyOf(environment);
            Objects.requireNonNull(protocol, "protocol");
        }

        @Override
        public String toString() {
            return "Command[" + command + ", environment=" + environment.keySet() + "]";
        }
    }

    /**
     * The agent's command line, environment and protocol for a start the prelude prepared. May write files into
     * the agent's home (a config file).
     */
    protected abstract Command command(Prepared prepared) throws IOException;

    /**
     * Whether the agent kept conversation {@code nativeSessionId} under {@code home}, so that it can resume it.
     *
     * @throws IOException when that cannot be told (the start then fails: resuming nothing in silence would lose
     *                     the conversation)
     */
    protected abstract boolean hasTranscript(Path home, String nativeSessionId) throws IOException;

    /**
     * True for an agent that says itself which modes it has (ACP advertises them as a session starts): an agent
     * mode outside the spec's list is then not refused here but handed to the agent, which sets it or refuses it
     * (the start then fails with the modes it has). The server only lets through modes the agent advertised.
     */
    protected boolean agentNamesItsModes() {
        return false;
    }

    /** The executable to run for an installation; {@code overridden} when the override variable named it. */
    protected Path executable(Installation installation, boolean overridden) {
        return installation.executable();
    }

    public final CliLaunchSpec spec() {
        return spec;
    }

    protected final AgentContext context() {
        return context;
    }

    @Override
    public final Optional<NpmPackage> npmPackage() {
        return Optional.of(spec.npmPackage());
    }

    @Override
    public AgentDescriptor descriptor() {
        Optional<Installation> installed = installation();
        boolean credentials = spec.credentialVariables().stream()
                .anyMatch(v -> !context.environment().getOrDefault(v, "").isBlank());
        return new AgentDescriptor(spec.id(), spec.displayName(), installed.isPresent(),
                installed.map(Installation::version).orElse(null),
                installed.map(i -> i.executable().toString()).orElse(null), credentials, spec.capabilities(),
                spec.agentModes(), spec.permissionModeIds(), spec.defaultModel(), spec.models());
    }

    private Optional<Installation> installation() {
        return context.find(spec.id(), spec.npmPackage());
    }

    @Override
    public final AgentProcess start(AgentLaunch launch, AgentListener listener) throws AgentStartException {
        Prepared prepared = prepare(launch);
        Command command;
        try {
            command = command(prepared);
        } catch (IOException | UncheckedIOException e) {
            throw new AgentStartException("cannot prepare " + spec.displayName() + "'s home in " + prepared.home()
                    + ": " + e.getMessage(), e);
        }
        return TerminalAgentProcess.start(new TerminalLaunch(spec.id(), spec.displayName(), command.command(),
                command.environment(), prepared.directory(), spec.stdinPipe(), spec.readyTimeout()),
                command.protocol(), listener);
    }

    /** The prelude: every check and preparation that needs nothing of the agent's own protocol. */
    final Prepared prepare(AgentLaunch launch) throws AgentStartException {
        String agentMode = Objects.requireNonNullElse(launch.agentMode(), "build");
        if (!spec.agentModeIds().contains(agentMode) && !agentNamesItsModes()) {
            throw new AgentStartException(spec.displayName() + " has no agent mode '" + agentMode + "'; it has "
                    + String.join(", ", spec.agentModeIds()));
        }
        String permissionMode = agentMode.equals("plan") ? "plan"
                : Objects.requireNonNullElse(launch.permissionMode(), "default");
        List<String> nativeMode = spec.nativePermissionMode(permissionMode);
        if (nativeMode == null) {
            throw new AgentStartException(spec.displayName() + " has no permission mode '" + permissionMode
                    + "'; it has " + String.join(", ", spec.permissionModeIds()));
        }
        String resume = launch.resumeNativeSessionId();
        if (resume != null && !spec.resumeIdPattern().matcher(resume).matches()) {
            throw new AgentStartException("'" + resume + "' is not a " + spec.displayName() + " "
                    + spec.resumeIdName() + " to resume");
        }
        Installation installation = installation().orElseThrow(() -> new AgentStartException(
                spec.displayName() + " is not installed: run `sandbox-agent install-agent " + spec.id()
                        + "` (or POST /v1/agents/" + spec.id() + "/install)"));
        boolean overridden = context.executables().containsKey(spec.id());
        Path executable = executable(installation, overridden);
        Path home;
        try {
            Path stateDir = launch.stateDir() != null ? launch.stateDir()
                    : Files.createTempDirectory("sandbox-agent-" + spec.id() + "-");
            home = stateDir.resolve(spec.homeDirName());
            Files.createDirectories(home);
        } catch (IOException e) {
            throw new AgentStartException("cannot prepare " + spec.displayName() + "'s home in " + launch.stateDir()
                    + ": " + e.getMessage(), e);
        }
        Path directory = launch.workingDirectory() != null ? launch.workingDirectory() : home;
        boolean transcriptFound = false;
        if (resume != null) {
            try {
                transcriptFound = hasTranscript(home, resume);
            } catch (IOException | UncheckedIOException e) {
                LOG.log(System.Logger.Level.WARNING, "session " + launch.sessionId() + ": cannot read "
                        + spec.displayName() + "'s transcripts in " + home + " to resume " + resume + ": "
                        + e.getMessage() + "; not started");
                throw new AgentStartException("cannot tell whether " + spec.displayName() + " kept conversation "
                        + resume + " to resume (reading " + home + " failed: " + e.getMessage()
                        + "); nothing was started, so that it is not replaced by a new conversation", e);
            }
        }
        Map<String, String> environment = new LinkedHashMap<>(launch.environment());
        environment.remove(spec.executableVariable());
        return new Prepared(launch, executable, home, directory, agentMode, permissionMode, nativeMode, resume,
                transcriptFound, environment);
    }
}
