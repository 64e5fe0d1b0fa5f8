package dev.sandboxagent.agents.pi;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sandboxagent.agents.AgentContext;
import dev.sandboxagent.agents.AgentDescriptor.AgentMode;
import dev.sandboxagent.agents.CliAgentAdapter;
import dev.sandboxagent.agents.CliLaunchSpec;
import dev.sandboxagent.agents.CliLaunchSpec.PermissionMode;
import dev.sandboxagent.agents.install.NpmPackage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * pi ({@code @mariozechner/pi-coding-agent}) as {@code pi --mode rpc --provider anthropic --model M
 * [--session FILE]}: JSON commands on a stdin pipe, JSON lines out ({@link PiProtocol}). Each session gets its own
 * pi directory ({@code PI_CODING_AGENT_DIR}, also its HOME) in its state directory, where pi keeps its session
 * files ({@code sessions/--<cwd>--/<time>_<id>.jsonl}) and, when the environment has ANTHROPIC_BASE_URL, a
 * {@code models.json} we write that points pi's built-in Anthropic provider at it. The key is never written: pi
 * reads ANTHROPIC_API_KEY from its environment itself. {@code PI_OFFLINE=1} turns off its start-up network calls
 * (update checks). pi has no permission prompts by design: every tool runs at once, so our {@code default} and
 * {@code bypass} both mean exactly that, and modes that promise to ask (acceptEdits, plan) are refused.
 */
public final class PiAdapter extends CliAgentAdapter {
    public static final String ID = "pi";
    public static final NpmPackage PACKAGE = new NpmPackage("@mariozechner/pi-coding-agent", "pi", "0.73.1");
    /** Overrides which executable runs (tests wrap the real CLI; templates may ship their own). */
    public static final String EXECUTABLE_VARIABLE = "SANDBOX_AGENT_PI_PATH";
    public static final String DEFAULT_MODEL = "claude-sonnet-4-5";
    private static final Pattern SESSION_ID =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    /** Our permission modes that pi has: both are "tools run without asking", pi's only behaviour. */
    static final CliLaunchSpec SPEC = new CliLaunchSpec(ID, "pi", PACKAGE, EXECUTABLE_VARIABLE,
            List.of("ANTHROPIC_API_KEY"),
            List.of("textMessages", "streamingDeltas", "toolCalls", "toolResults", "reasoning", "errorEvents",
                    "sessionLifecycle", "itemStarted", "commandExecution"),
            List.of(new AgentMode("build", "Build", "Works on the task")),
            List.of(PermissionMode.of("default", "no-prompts"), PermissionMode.of("bypass", "no-prompts")),
            DEFAULT_MODEL, List.of(DEFAULT_MODEL, "claude-sonnet-4-6", "claude-opus-4-6", "claude-haiku-4-5"),
            SESSION_ID, "session id", "pi-home", true, Duration.ofSeconds(120));

    public PiAdapter(AgentContext context) {
        super(context, SPEC);
    }

    @Override
    protected Command command(Prepared p) throws IOException {
        Path home = p.home();
        // pi writes its files with the umask's modes (0644 sessions): its directory keeps them to this user
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        writeModels(home, p.environment().get("ANTHROPIC_BASE_URL"));
        List<String> command = new ArrayList<>(List.of(p.executable().toString(), "--mode", "rpc",
                "--provider", "anthropic", "--model", p.modelOr(DEFAULT_MODEL)));
        if (p.transcriptFound()) {
            // The file itself, not the id: pi looks an id up as a prefix, also in other projects' sessions, and
            // asks on stdin whether to fork one it found there, which would eat our first command.
            Path file = sessionFile(home, p.resumeId()).orElseThrow(
                    () -> new IOException("pi's session file for " + p.resumeId() + " is gone"));
            command.addAll(List.of("--session", file.toString()));
        }
        Map<String, String> env = new LinkedHashMap<>(p.environment());
        env.put("HOME", home.toString());
        env.put("PI_CODING_AGENT_DIR", home.toString());
        env.put("PI_OFFLINE", "1");
        return new Command(command, env, new PiProtocol());
    }

    /**
     * {@code models.json} with pi's built-in Anthropic provider at the environment's ANTHROPIC_BASE_URL (taken as
     * the Anthropic SDK takes it: without {@code /v1}), 0600; none when the variable is not set (a file an earlier
     * start wrote is removed: credentials may change from one start to the next). No key: pi reads it from its
     * environment.
     */
    static void writeModels(Path home, String baseUrl) throws IOException {
        Path models = home.resolve("models.json");
        if (baseUrl == null || baseUrl.isBlank()) {
            Files.deleteIfExists(models);
            return;
        }
        // JsonNodeFactory.instance here, not in a static field: the catalog is built at every start (no databind then)
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.putObject("providers").putObject("anthropic").put("baseUrl",
                baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl);
        Files.deleteIfExists(models);
        Files.createFile(models, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(models, root.toPrettyString(), StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
    }

    /**
     * pi writes a session's file ({@code sessions/--<cwd>--/<time>_<id>.jsonl}) with its first message, so a
     * conversation that never got one has nothing to resume and starts afresh (with a new id, as gemini's does).
     */
    @Override
    protected boolean hasTranscript(Path home, String sessionId) throws IOException {
        return sessionFile(home, sessionId).isPresent();
    }

    static Optional<Path> sessionFile(Path home, String sessionId) throws IOException {
        Path sessions = home.resolve("sessions");
        if (!Files.isDirectory(sessions)) {
            return Optional.empty();
        }
        String suffix = "_" + sessionId + ".jsonl";
        try (Stream<Path> files = Files.find(sessions, 2, (f, attributes) -> attributes.isRegularFile()
                && f.getFileName().toString().endsWith(suffix))) {
            return files.sorted().findFirst();
        }
    }
}
