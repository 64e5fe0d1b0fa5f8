package dev.sandboxagent.agents.acp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Gemini CLI as {@code gemini --acp -m MODEL}: the Agent Client Protocol ({@link AcpAgentProtocol}) with stdin on
 * a pipe (on a terminal it writes terminal queries and never answers {@code initialize}, measured). Each session
 * gets its own HOME in its state directory with a {@code .gemini/settings.json} that picks the API-key auth type
 * (GEMINI_API_KEY and GOOGLE_GEMINI_BASE_URL pass through from the environment) and turns off usage statistics
 * and update checks. The permission mode is the ACP session mode, set with {@code session/set_mode} before the
 * first prompt.
 */
public final class GeminiAdapter extends CliAgentAdapter {
    public static final String ID = "gemini";
    public static final NpmPackage PACKAGE = new NpmPackage("@google/gemini-cli", "gemini", "0.61.0");
    /** Overrides which executable runs (tests wrap the real CLI; templates may ship their own). */
    public static final String EXECUTABLE_VARIABLE = "SANDBOX_AGENT_GEMINI_PATH";
    /** A model the CLI knows: naming one skips the routing call its default "auto" makes first. */
    public static final String DEFAULT_MODEL = "gemini-2.5-flash";
    static final String SETTINGS = """
            {"security":{"auth":{"selectedType":"gemini-api-key"}},"privacy":{"usageStatisticsEnabled":false},\
            "general":{"disableAutoUpdate":true,"disableUpdateNag":true}}
            """;
    /**
     * Made on first use, not when the class loads: every server start builds the agent catalog, and a mapper
     * there would load Jackson databind before the first request (docs/benchmarks.md "Idle classes").
     */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }
    /** The name gemini gives a new chat file (minute in UTC, then the first 8 characters of the session id). */
    private static final Pattern NEW_CHAT_NAME =
            Pattern.compile("session-\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-[0-9a-fA-F]{8}\\.jsonl");

    /** Our permission modes as gemini's ACP session modes (advertised in its session/new answer). */
    static final CliLaunchSpec SPEC = new CliLaunchSpec(ID, "Gemini CLI", PACKAGE, EXECUTABLE_VARIABLE,
            List.of("GEMINI_API_KEY", "GOOGLE_API_KEY"),
            List.of("textMessages", "streamingDeltas", "toolCalls", "toolResults", "permissions", "reasoning",
                    "errorEvents", "sessionLifecycle", "itemStarted", "commandExecution", "planMode"),
            List.of(new AgentMode("build", "Build", "Works on the task"),
                    new AgentMode("plan", "Plan", "Read-only mode")),
            List.of(PermissionMode.of("default", "default"), PermissionMode.of("acceptEdits", "autoEdit"),
                    PermissionMode.of("plan", "plan"), PermissionMode.of("bypass", "yolo")),
            DEFAULT_MODEL, List.of(DEFAULT_MODEL, "gemini-2.5-pro", "gemini-3-flash-preview"),
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
            "session id", "gemini-home", true, Duration.ofSeconds(120));

    public GeminiAdapter(AgentContext context) {
        super(context, SPEC);
    }

    @Override
    protected Command command(Prepared p) throws IOException {
        Path settings = p.home().resolve(".gemini").resolve("settings.json");
        Files.createDirectories(settings.getParent());
        Files.writeString(settings, SETTINGS, StandardCharsets.UTF_8);
        Map<String, String> env = new LinkedHashMap<>(p.environment());
        env.put("HOME", p.home().toString());
        env.put("GEMINI_CLI_TRUST_WORKSPACE", "true"); // the session's directory is the one it is meant to work in
        // A mode of gemini's own (advertised: default, autoEdit, yolo, plan) is set as asked; otherwise our
        // permission mode picks the ACP mode.
        String mode = SPEC.agentModeIds().contains(p.agentMode()) ? p.nativePermissionMode().get(0) : p.agentMode();
        String resume = null;
        if (p.transcriptFound()) {
            keepApartFromNewChat(p.home(), p.resumeId());
            resume = p.resumeId();
        }
        return new Command(List.of(p.executable().toString(), "--acp", "-m", p.modelOr(DEFAULT_MODEL)), env,
                new AcpAgentProtocol(SPEC.displayName(), p.directory().toString(), resume,
                        mode.equals("default") ? null : mode, PACKAGE.defaultVersion()));
    }

    @Override
    protected boolean agentNamesItsModes() {
        return true;
    }

    /**
     * gemini keeps a chat as {@code ~/.gemini/tmp/<project>/chats/session-<time>-<first 8 of id>.jsonl} (JSON
     * lines: a metadata record with the {@code sessionId}, messages, {@code $set} updates), written from
     * {@code session/new} on. {@code session/load} lists only chats with a user or model message in them (it calls
     * the others not resumable) and fails with "No previous sessions found" when none is left, so a conversation
     * that never got a message has nothing to resume: it starts afresh, as Claude's and Codex's do.
     */
    @Override
    protected boolean hasTranscript(Path home, String sessionId) throws IOException {
        for (Path chat : chatFiles(home, sessionId)) {
            if (isResumableChat(chat, sessionId)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Renames the chats of {@code sessionId} that bear the name gemini gives a new chat. {@code session/load} starts
     * a new chat for the id it loads before it looks for the old one, and names it
     * {@code session-<UTC minute>-<first 8 of id>.jsonl}: in the minute the conversation began, that is the
     * conversation's own file, and the new chat's first records ({@code $set} of the messages to just the session
     * context) empty it, so the load then finds "No previous sessions found for this project" (measured: a resume
     * within the minute of the session's start failed so, one later passed). A name gemini never gives a new chat,
     * still ending in {@code -<first 8 of id>.jsonl} as its lookup wants, keeps the two apart.
     */
    static void keepApartFromNewChat(Path home, String sessionId) throws IOException {
        for (Path chat : chatFiles(home, sessionId)) {
            String name = chat.getFileName().toString();
            if (NEW_CHAT_NAME.matcher(name).matches() && isResumableChat(chat, sessionId)) {
                int idStart = name.length() - ("-" + sessionId.substring(0, 8) + ".jsonl").length();
                Path kept = chat.resolveSibling(name.substring(0, idStart) + "-resumed" + name.substring(idStart));
                Files.move(chat, kept, StandardCopyOption.ATOMIC_MOVE);
            }
        }
    }

    /** The chat files that may hold {@code sessionId}, by gemini's file naming, in every project of the home. */
    private static List<Path> chatFiles(Path home, String sessionId) throws IOException {
        Path projects = home.resolve(".gemini").resolve("tmp");
        if (!Files.isDirectory(projects)) {
            return List.of();
        }
        String suffix = "-" + sessionId.substring(0, 8);
        try (Stream<Path> files = Files.find(projects, 3, (f, attributes) -> attributes.isRegularFile()
                && f.getParent().getFileName().toString().equals("chats")
                && f.getFileName().toString().startsWith("session-")
                && (f.getFileName().toString().endsWith(suffix + ".jsonl")
                        || f.getFileName().toString().endsWith(suffix + ".json")))) {
            return files.sorted().toList();
        }
    }

    /**
     * Whether a chat file is session {@code sessionId} with a message in it that gemini resumes: the file's
     * messages as gemini reads them (message records add one, a {@code $set} of {@code messages} replaces them all,
     * a {@code $rewindTo} drops from that message on), of which a user's that is not only the session context
     * (or a command) or a model's with text, tool calls or thoughts.
     */
    static boolean isResumableChat(Path chat, String sessionId) throws IOException {
        boolean ours = false;
        Map<String, Boolean> resumable = new LinkedHashMap<>(); // message id -> resumable, in file order
        for (String line : Files.readAllLines(chat, StandardCharsets.UTF_8)) {
            JsonNode record;
            try {
                record = line.isBlank() ? null : Json.MAPPER.readTree(line);
            } catch (JsonProcessingException e) {
                continue; // a line cut short by a killed gemini: gemini skips it too
            }
            if (record == null || !record.isObject()) {
                continue;
            }
            JsonNode set = record.path("$set");
            if (record.path("$rewindTo").isTextual()) {
                String to = record.path("$rewindTo").asText();
                boolean found = false;
                for (var it = resumable.keySet().iterator(); it.hasNext(); ) {
                    found |= it.next().equals(to);
                    if (found) {
                        it.remove();
                    }
                }
                if (!found) {
                    resumable.clear();
                }
            } else if (record.path("id").isTextual()) {
                resumable.put(record.path("id").asText(), isResumableMessage(record));
            } else if (set.isObject()) {
                ours |= sessionId.equals(set.path("sessionId").asText(null));
                if (set.path("messages").isArray()) {
                    resumable.clear();
                    set.path("messages").forEach(m -> resumable.put(m.path("id").asText(), isResumableMessage(m)));
                }
            } else if (record.path("sessionId").isTextual()) {
                ours |= sessionId.equals(record.path("sessionId").asText());
                record.path("messages").forEach(m -> resumable.put(m.path("id").asText(), isResumableMessage(m)));
            }
        }
        return ours && resumable.containsValue(true);
    }

    private static boolean isResumableMessage(JsonNode message) {
        String text = textOf(message.path("content")).trim();
        return switch (message.path("type").asText("")) {
            case "user" -> !text.isEmpty() && !text.startsWith("/") && !text.startsWith("?")
                    && !text.startsWith("<session_context>") && !text.startsWith("<hook_context>");
            case "gemini" -> !text.isEmpty() || !message.path("toolCalls").isEmpty()
                    || !message.path("thoughts").isEmpty();
            default -> false;
        };
    }

    /** A message's content as text: a string, or its parts' text (a part that is not text counts as some). */
    private static String textOf(JsonNode content) {
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content) {
            text.append(part.path("text").isTextual() ? part.path("text").asText() : part.isEmpty() ? "" : "[part]");
        }
        return text.toString();
    }
}
