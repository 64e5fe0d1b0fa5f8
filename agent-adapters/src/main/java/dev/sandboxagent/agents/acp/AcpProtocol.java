package dev.sandboxagent.agents.acp;

import static dev.sandboxagent.agents.UniversalItems.message;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sandboxagent.agents.AdvertisedOptions;
import dev.sandboxagent.agents.AgentDescriptor.AgentMode;
import dev.sandboxagent.agents.AgentEvent;
import dev.sandboxagent.agents.JsonLine;
import dev.sandboxagent.agents.UniversalItems;
import dev.sandboxagent.schema.ContentPart;
import dev.sandboxagent.schema.EventData;
import dev.sandboxagent.schema.Item;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The Agent Client Protocol (JSON-RPC 2.0 over stdio, one object per line) as a pure function: a {@link State}
 * and one line the agent wrote give the next state and what to do ({@link AcpOutput}: events, lines to send,
 * answers to our requests, the end of a turn). Nothing here does I/O or keeps mutable state, so the same code
 * serves every ACP agent (opencode {@code acp}, gemini {@code --acp}) and is tested by replaying recorded
 * transcripts (src/test/resources/acp).
 *
 * <p>The adapter seam's {@code AgentProtocol} for ACP is {@link AcpAgentProtocol}: it holds one {@link State}
 * and delegates here, driving the handshake from the {@link AcpOutput.Answered}s.
 *
 * <p>What the agent writes, and what becomes of it:
 * <ul>
 *   <li>answers to our requests: the prompt's ends the turn ({@link AcpOutput.TurnFinished}), after closing any
 *       message item still open; the others go back as {@link AcpOutput.Answered};</li>
 *   <li>{@code session/update} notifications during a prompt: message and thought chunks become a streamed item
 *       (started, deltas, completed when the next item begins or the turn ends), tool calls a {@code tool_call}
 *       item once they run (or a permission request names them) and, when they reach {@code completed} or
 *       {@code failed}, a {@code tool_result} item (gemini reports no output there: its model gets it); plans a status
 *       item; bookkeeping (commands, modes, usage, config, session info) is dropped. Updates outside a prompt are
 *       the history a {@code session/load} replays, or bookkeeping: dropped, since the store has them already;</li>
 *   <li>{@code session/request_permission}: {@code permission.requested}, with the agent's options in its
 *       metadata; the answer is {@link #replyPermission};</li>
 *   <li>any other request of the agent's ({@code fs/*}, {@code terminal/*}: we advertise neither): a JSON-RPC
 *       error, sent at once so the agent never waits;</li>
 *   <li>anything else: {@code agent.unparsed}. Never throws.</li>
 * </ul>
 */
public final class AcpProtocol {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** session/update kinds with nothing a client of ours shows (or that the turn's end reports instead). */
    private static final Set<String> IGNORED_UPDATES = Set.of("available_commands_update", "current_mode_update",
            "config_option_update", "usage_update", "session_info_update");
    private static final String NAME = "ACP agent";

    private AcpProtocol() {
    }

    /** What is pending: our requests by id and method, the open message, the tool calls, the permissions asked. */
    public record State(String sessionId, long nextId, Map<Long, String> requests, Long promptId,
                        OpenMessage open, int items, Map<String, ToolCall> toolCalls,
                        Map<String, Permission> permissions, String turnKey) {
        public State {
            requests = Map.copyOf(requests);
            toolCalls = Map.copyOf(toolCalls);
            permissions = Map.copyOf(permissions);
        }

        /** Before {@code initialize}; {@code sessionId} is known already when a session is being loaded. */
        public static State initial(String sessionId) {
            return new State(sessionId, 1, Map.of(), null, null, 0, Map.of(), Map.of(), null);
        }

        public boolean inTurn() {
            return promptId != null;
        }
    }

    /** The message item being streamed: our item id, the agent's message id (may be null), thought or not. */
    public record OpenMessage(String itemId, String nativeId, boolean thought, String text) {
    }

    /**
     * A tool call announced to clients, the files it names ({@code locations}), and whether its result went out.
     */
    public record ToolCall(String title, String kind, List<String> locations, boolean finished) {
        public ToolCall {
            locations = List.copyOf(locations);
        }
    }

    /** A permission request waiting for the user: the JSON-RPC id to answer and the agent's options. */
    public record Permission(JsonNode requestId, String action, JsonNode options) {
    }

    /**
     * The modes and models a {@code session/new} or {@code session/load} answer advertised, and how the agent takes
     * a mode: ACP session modes ({@code modes}, set with {@code session/set_mode}; gemini) or a session config
     * option of category {@code mode} ({@code configOptions}, set with {@code session/set_config_option}; opencode),
     * whose id is {@code modeConfigId} (null for session modes).
     */
    public record Advertised(AdvertisedOptions options, String modeConfigId) {
        public Advertised {
            Objects.requireNonNull(options, "options");
        }
    }

    /** The next state and what to do, in order. */
    public record Step(State state, List<AcpOutput> outputs) {
        public Step {
            Objects.requireNonNull(state, "state");
            outputs = List.copyOf(outputs);
        }
    }

    // ---- what we send ----------------------------------------------------------------------------------------

    /** {@code initialize}: protocol version 1, and no fs or terminal capability (the agent uses its own). */
    public static Step initialize(State state, String clientName, String clientVersion) {
        ObjectNode params = JSON.objectNode().put("protocolVersion", 1);
        ObjectNode caps = params.putObject("clientCapabilities");
        caps.putObject("fs").put("readTextFile", false).put("writeTextFile", false);
        caps.put("terminal", false);
        params.putObject("clientInfo").put("name", clientName).put("version", clientVersion);
        return request(state, "initialize", params);
    }

    public static Step newSession(State state, String cwd) {
        ObjectNode params = JSON.objectNode().put("cwd", cwd);
        params.putArray("mcpServers");
        return request(state, "session/new", params);
    }

    /** Only for an agent whose {@code initialize} answer has {@code agentCapabilities.loadSession: true}. */
    public static Step loadSession(State state, String sessionId, String cwd) {
        ObjectNode params = JSON.objectNode().put("sessionId", sessionId).put("cwd", cwd);
        params.putArray("mcpServers");
        State named = with(state, sessionId);
        return request(named, "session/load", params);
    }

    /** {@code session/set_mode} with one of the modes {@code session/new} advertised. */
    public static Step setMode(State state, String modeId) {
        return request(state, "session/set_mode", JSON.objectNode().put("sessionId", state.sessionId())
                .put("modeId", modeId));
    }

    /** {@code session/set_config_option}: for an agent that advertises its modes as a config option (opencode). */
    public static Step setConfigOption(State state, String configId, String value) {
        return request(state, "session/set_config_option", JSON.objectNode().put("sessionId", state.sessionId())
                .put("configId", configId).put("value", value));
    }

    /**
     * A user turn: {@code session/prompt} with one text block; its answer ends the turn. {@code turnKey} (our turn
     * id) prefixes the ids of the items made up for the turn: gemini's chunks carry no message id, and ids must
     * stay unique across restarts of the agent.
     */
    public static Step prompt(State state, String text, String turnKey) {
        ObjectNode params = JSON.objectNode().put("sessionId", state.sessionId());
        params.putArray("prompt").addObject().put("type", "text").put("text", text);
        Step sent = request(state, "session/prompt", params);
        State s = sent.state();
        return new Step(new State(s.sessionId(), s.nextId(), s.requests(), state.nextId(), null, 0,
                Map.of(), Map.of(), Objects.requireNonNull(turnKey, "turnKey")), sent.outputs());
    }

    /**
     * {@code session/cancel}. ACP asks the client to answer every permission request still open with
     * {@code cancelled}, which is done here; the prompt's answer (stop reason {@code cancelled}) ends the turn.
     */
    public static Step cancel(State state) {
        List<AcpOutput> out = new ArrayList<>();
        for (Map.Entry<String, Permission> pending : state.permissions().entrySet()) {
            ObjectNode result = JSON.objectNode();
            result.putObject("outcome").put("outcome", "cancelled");
            out.add(new AcpOutput.Send(answer(pending.getValue().requestId(), result).toString()));
            out.add(resolved(state, pending.getKey(), pending.getValue(), "cancelled"));
        }
        ObjectNode note = JSON.objectNode().put("jsonrpc", "2.0").put("method", "session/cancel");
        note.putObject("params").put("sessionId", state.sessionId());
        out.add(new AcpOutput.Send(note.toString()));
        return new Step(withPermissions(state, Map.of()), out);
    }

    /**
     * Answers a permission request: {@code reply} is {@code once}, {@code always} or {@code reject}, mapped onto
     * the first of the agent's options of kind {@code allow_once}, {@code allow_always} or {@code reject_once}
     * (then {@code reject_always}); with no such option the request is answered {@code cancelled}. An unknown
     * permission id (answered already, or its turn is over) does nothing.
     */
    public static Step replyPermission(State state, String permissionId, String reply) {
        Permission pending = state.permissions().get(permissionId);
        if (pending == null) {
            return new Step(state, List.of());
        }
        List<String> kinds = switch (reply) {
            case "once" -> List.of("allow_once");
            case "always" -> List.of("allow_always", "allow_once");
            default -> List.of("reject_once", "reject_always");
        };
        String optionId = null;
        for (String kind : kinds) {
            for (JsonNode option : pending.options()) {
                if (optionId == null && option.path("kind").asText().equals(kind)) {
                    optionId = option.path("optionId").asText();
                }
            }
        }
        ObjectNode result = JSON.objectNode();
        if (optionId == null) {
            result.putObject("outcome").put("outcome", "cancelled");
        } else {
            result.putObject("outcome").put("outcome", "selected").put("optionId", optionId);
        }
        String status = switch (reply) {
            case "once" -> "accept";
            case "always" -> "accept_for_session";
            default -> "reject";
        };
        Map<String, Permission> left = new HashMap<>(state.permissions());
        left.remove(permissionId);
        return new Step(withPermissions(state, left), List.of(
                new AcpOutput.Send(answer(pending.requestId(), result).toString()),
                resolved(state, permissionId, pending, status)));
    }

    // ---- what the agent writes -------------------------------------------------------------------------------

    /** One line of the agent's stdout. */
    public static Step read(State state, String line) {
        JsonLine read = JsonLine.read(line);
        if (read.object() == null) {
            return new Step(state, read.isNoise() ? List.of() : List.of(unparsed(state, line, read.problem())));
        }
        ObjectNode node = read.object();
        try {
            Step step = translate(state, node);
            return step != null ? step : new Step(state, List.of(unparsed(state, line, "unknown message "
                    + describe(node))));
        } catch (RuntimeException e) {
            return new Step(state, List.of(unparsed(state, line, "unexpected " + e.getClass().getSimpleName()
                    + " reading " + describe(node))));
        }
    }

    private static Step translate(State state, ObjectNode node) {
        boolean hasId = node.hasNonNull("id");
        String method = node.path("method").asText(null);
        if (method == null && hasId) {
            return response(state, node);
        }
        if (method == null) {
            return null;
        }
        if (hasId) {
            return agentRequest(state, node, method);
        }
        if (method.equals("session/update")) {
            return update(state, node, node.path("params").path("update"));
        }
        return null;
    }

    private static Step response(State state, ObjectNode node) {
        if (!node.path("id").canConvertToLong()) {
            return null;
        }
        long id = node.path("id").asLong();
        String method = state.requests().get(id);
        if (method == null) {
            return null;
        }
        Map<Long, String> requests = new HashMap<>(state.requests());
        requests.remove(id);
        JsonNode error = node.get("error");
        JsonNode result = node.get("result");
        if (state.promptId() != null && state.promptId() == id) {
            List<AcpOutput> out = new ArrayList<>();
            String stopReason = result == null ? null : result.path("stopReason").asText(null);
            // A cancelled turn cuts its message short; the part said stays said, so the item ends completed as every
            // agent's does (docs/api.md, "One vocabulary for every agent"); only a failed prompt fails it.
            State closed = closeMessage(state, node, out, error == null ? Item.Status.COMPLETED : Item.Status.FAILED);
            out.add(new AcpOutput.TurnFinished(stopReason, result == null ? null : result.get("usage"), error,
                    node));
            return new Step(new State(closed.sessionId(), closed.nextId(), requests, null, null, closed.items(),
                    Map.of(), Map.of(), closed.turnKey()), out);
        }
        String sessionId = state.sessionId();
        if (method.equals("session/new") && result != null && result.hasNonNull("sessionId")) {
            sessionId = result.path("sessionId").asText();
        }
        State next = new State(sessionId, state.nextId(), requests, state.promptId(), state.open(), state.items(),
                state.toolCalls(), state.permissions(), state.turnKey());
        Advertised advertised = error == null && result != null
                && (method.equals("session/new") || method.equals("session/load")) ? advertised(result) : null;
        return new Step(next, List.of(new AcpOutput.Answered(id, method, result, error, advertised)));
    }

    /**
     * What a session's answer says of modes and models, in either of ACP's two shapes: {@code modes}
     * ({@code availableModes} of {id, name, description}, {@code currentModeId}) and {@code models}
     * ({@code availableModels} of {modelId, name}, {@code currentModelId}), as gemini sends them; or
     * {@code configOptions}, selects of category {@code mode} and {@code model} ({@code options} of {value, name,
     * description}, possibly in groups, and {@code currentValue}), as opencode does. Session modes and models win
     * where an agent sends both. Null when it says nothing of either; entries without an id are skipped.
     */
    static Advertised advertised(JsonNode result) {
        List<AgentMode> modes = new ArrayList<>();
        String currentMode = null;
        String modeConfigId = null;
        List<AdvertisedOptions.Model> models = new ArrayList<>();
        String currentModel = null;
        JsonNode sessionModes = result.path("modes");
        if (sessionModes.path("availableModes").isArray()) {
            for (JsonNode mode : sessionModes.path("availableModes")) {
                String id = mode.path("id").asText(null);
                if (id != null) {
                    modes.add(new AgentMode(id, mode.path("name").asText(id), mode.path("description").asText("")));
                }
            }
            currentMode = sessionModes.path("currentModeId").asText(null);
        }
        JsonNode sessionModels = result.path("models");
        if (sessionModels.path("availableModels").isArray()) {
            for (JsonNode model : sessionModels.path("availableModels")) {
                String id = model.path("modelId").asText(null);
                if (id != null) {
                    models.add(new AdvertisedOptions.Model(id, model.path("name").asText(null)));
                }
            }
            currentModel = sessionModels.path("currentModelId").asText(null);
        }
        for (JsonNode option : result.path("configOptions")) {
            String category = option.path("category").asText(option.path("id").asText(""));
            if (!option.path("type").asText("select").equals("select")) {
                continue;
            }
            if (category.equals("mode") && modes.isEmpty() && !sessionModes.path("availableModes").isArray()) {
                for (JsonNode choice : choices(option.path("options"))) {
                    String id = choice.path("value").asText(null);
                    if (id != null) {
                        modes.add(new AgentMode(id, choice.path("name").asText(id),
                                choice.path("description").asText("")));
                    }
                }
                currentMode = option.path("currentValue").asText(null);
                modeConfigId = option.path("id").asText(null);
            } else if (category.equals("model") && !sessionModels.path("availableModels").isArray()) {
                for (JsonNode choice : choices(option.path("options"))) {
                    String id = choice.path("value").asText(null);
                    if (id != null) {
                        models.add(new AdvertisedOptions.Model(id, choice.path("name").asText(null)));
                    }
                }
                currentModel = option.path("currentValue").asText(null);
            }
        }
        if (modes.isEmpty() && models.isEmpty() && currentMode == null && currentModel == null) {
            return null;
        }
        return new Advertised(new AdvertisedOptions(modes, currentMode, models, currentModel), modeConfigId);
    }

    /** A select's options: plain ones, and those of its groups ({@code {group, name, options}}), in order. */
    private static List<JsonNode> choices(JsonNode options) {
        List<JsonNode> all = new ArrayList<>();
        for (JsonNode option : options) {
            if (option.path("options").isArray()) {
                option.path("options").forEach(all::add);
            } else {
                all.add(option);
            }
        }
        return all;
    }

    private static Step agentRequest(State state, ObjectNode node, String method) {
        JsonNode id = node.get("id");
        if (!method.equals("session/request_permission")) {
            ObjectNode error = JSON.objectNode().put("jsonrpc", "2.0");
            error.set("id", id);
            error.putObject("error").put("code", -32601).put("message", "method not supported by this client: "
                    + method);
            return new Step(state, List.of(new AcpOutput.Send(error.toString())));
        }
        JsonNode params = node.path("params");
        JsonNode toolCall = params.path("toolCall");
        List<AcpOutput> out = new ArrayList<>();
        State s = closeMessage(state, node, out, Item.Status.COMPLETED);
        s = announce(s, node, toolCall, out);
        String permissionId = id.asText();
        String action = toolCall.path("title").asText(toolCall.path("kind").asText("a tool call"));
        ObjectNode metadata = JSON.objectNode();
        metadata.put("method", "session/request_permission");
        metadata.put("tool_call_id", toolCall.path("toolCallId").asText(null));
        if (toolCall.hasNonNull("kind")) {
            metadata.put("kind", toolCall.path("kind").asText());
        }
        metadata.set("options", params.path("options").deepCopy());
        out.add(emit(s, new EventData.PermissionRequested(permissionId, action, "requested", metadata), node));
        Map<String, Permission> permissions = new HashMap<>(s.permissions());
        permissions.put(permissionId, new Permission(id.deepCopy(), action, params.path("options").deepCopy()));
        return new Step(withPermissions(s, permissions), out);
    }

    private static Step update(State state, ObjectNode node, JsonNode update) {
        String kind = update.path("sessionUpdate").asText(null);
        if (kind == null) {
            return null;
        }
        if (IGNORED_UPDATES.contains(kind) || !state.inTurn()) {
            // Outside a prompt: the history session/load replays (the store has it), or bookkeeping.
            return new Step(state, List.of());
        }
        List<AcpOutput> out = new ArrayList<>();
        switch (kind) {
            case "agent_message_chunk", "agent_thought_chunk" -> {
                JsonNode content = update.path("content");
                if (!content.path("type").asText().equals("text")) {
                    return null;
                }
                State s = chunk(state, node, update.path("messageId").asText(null),
                        kind.equals("agent_thought_chunk"), content.path("text").asText(""), out);
                return new Step(s, out);
            }
            case "user_message_chunk" -> {
                return new Step(state, List.of());
            }
            case "tool_call", "tool_call_update" -> {
                State s = closeMessage(state, node, out, Item.Status.COMPLETED);
                // opencode opens a call as pending before its input has streamed (title "bash", no command):
                // it is announced once it runs, or when a permission request names it.
                if (!update.path("status").asText().equals("pending")) {
                    s = announce(s, node, update, out);
                }
                s = finishTool(s, node, update, out);
                return new Step(s, out);
            }
            case "plan" -> {
                State s = closeMessage(state, node, out, Item.Status.COMPLETED);
                Item item = Item.of(s.turnKey() + "_plan_" + (s.items() + 1), Item.Kind.STATUS, Item.Role.ASSISTANT,
                        Item.Status.COMPLETED, List.of(new ContentPart.Status("plan", update.path("entries").toString())));
                out.add(emit(s, new EventData.ItemCompleted(item), node));
                return new Step(counted(s), out);
            }
            default -> {
                return null;
            }
        }
    }

    /** A text chunk: continues the open item, or closes it and starts a new one (other message, or kind). */
    private static State chunk(State state, JsonNode raw, String nativeId, boolean thought, String text,
                               List<AcpOutput> out) {
        OpenMessage open = state.open();
        State s = state;
        boolean same = open != null && open.thought() == thought
                && (nativeId == null || nativeId.equals(open.nativeId()));
        if (!same) {
            s = closeMessage(state, raw, out, Item.Status.COMPLETED);
            String itemId = nativeId != null ? nativeId + (thought ? "_thought" : "")
                    : s.turnKey() + "_msg_" + (s.items() + 1);
            out.add(emit(s, new EventData.ItemStarted(message(itemId, Item.Status.IN_PROGRESS, null, thought)), raw));
            s = counted(s);
            open = new OpenMessage(itemId, nativeId, thought, "");
        }
        if (!text.isEmpty()) {
            out.add(emit(s, new EventData.ItemDelta(open.itemId(), text), raw));
        }
        OpenMessage grown = new OpenMessage(open.itemId(), open.nativeId(), thought, open.text() + text);
        return new State(s.sessionId(), s.nextId(), s.requests(), s.promptId(), grown, s.items(), s.toolCalls(),
                s.permissions(), s.turnKey());
    }

    private static State closeMessage(State state, JsonNode raw, List<AcpOutput> out, Item.Status status) {
        OpenMessage open = state.open();
        if (open == null) {
            return state;
        }
        out.add(emit(state, new EventData.ItemCompleted(message(open.itemId(), status, open.text(), open.thought())),
                raw));
        return new State(state.sessionId(), state.nextId(), state.requests(), state.promptId(), null, state.items(),
                state.toolCalls(), state.permissions(), state.turnKey());
    }

    /** The tool_call item, once per call, from the first update or permission request that names it. */
    private static State announce(State state, JsonNode raw, JsonNode call, List<AcpOutput> out) {
        String id = call.path("toolCallId").asText(null);
        if (id == null || state.toolCalls().containsKey(id)) {
            return state;
        }
        String title = call.path("title").asText("");
        String kind = call.path("kind").asText("other");
        ObjectNode arguments = JSON.objectNode().put("title", title);
        if (call.has("rawInput")) {
            arguments.set("input", call.get("rawInput"));
        }
        if (call.path("locations").size() > 0) {
            arguments.set("locations", call.get("locations"));
        }
        out.add(emit(state, new EventData.ItemCompleted(UniversalItems.toolCall(id, kind, arguments.toString(), id)),
                raw));
        Map<String, ToolCall> calls = new HashMap<>(state.toolCalls());
        calls.put(id, new ToolCall(title, kind, paths(call.path("locations")), false));
        return withToolCalls(state, calls);
    }

    /** On {@code completed} or {@code failed}: the tool_result item, once. */
    private static State finishTool(State state, JsonNode raw, JsonNode update, List<AcpOutput> out) {
        String id = update.path("toolCallId").asText(null);
        String status = update.path("status").asText("");
        ToolCall call = id == null ? null : state.toolCalls().get(id);
        if (call == null || call.finished() || !(status.equals("completed") || status.equals("failed"))) {
            return state;
        }
        StringBuilder output = new StringBuilder();
        List<ContentPart> files = new ArrayList<>();
        for (JsonNode content : update.path("content")) {
            JsonNode inner = content.path("content");
            if (content.path("type").asText().equals("content") && inner.path("type").asText().equals("text")) {
                output.append(inner.path("text").asText());
            } else if (content.path("type").asText().equals("diff")) {
                output.append("diff ").append(content.path("path").asText()).append('\n');
                files.add(fileRef(content));
            }
        }
        if (output.isEmpty() && update.has("rawOutput")) {
            JsonNode rawOutput = update.get("rawOutput");
            output.append(rawOutput.path("output").asText(rawOutput.isTextual() ? rawOutput.asText()
                    : rawOutput.toString()));
        }
        boolean ok = status.equals("completed");
        JsonNode exit = update.path("rawOutput").path("metadata").path("exit");
        List<ContentPart> parts = new ArrayList<>();
        parts.add(new ContentPart.ToolResult(id, output.toString(), exit.canConvertToInt() ? exit.asInt() : null,
                ok ? null : status));
        if (ok && files.isEmpty() && call.kind().equals("edit")) {
            // An edit without a diff (opencode's write tool): the files it names were written.
            List<String> named = update.path("locations").size() > 0 ? paths(update.path("locations"))
                    : call.locations();
            named.forEach(path -> files.add(new ContentPart.FileRef(path, "write", null)));
        }
        if (ok) {
            parts.addAll(files);
        }
        Item result = Item.of("result_" + id, Item.Kind.TOOL_RESULT, Item.Role.TOOL,
                ok ? Item.Status.COMPLETED : Item.Status.FAILED, parts).withParent(id);
        out.add(emit(state, new EventData.ItemCompleted(result), raw));
        Map<String, ToolCall> calls = new HashMap<>(state.toolCalls());
        calls.put(id, new ToolCall(call.title(), call.kind(), call.locations(), true));
        return withToolCalls(state, calls);
    }

    /**
     * An ACP {@code diff} content block as a file_ref, as codex's apply_patch results carry theirs: a file without
     * old text (none, or empty: opencode and gemini send an empty one for a new file) is written whole; one with it
     * is patched. ACP gives the old and new text rather than a unified diff, so no diff comes along (the raw event
     * keeps the texts).
     */
    private static ContentPart.FileRef fileRef(JsonNode diff) {
        boolean created = diff.path("oldText").asText("").isEmpty();
        return new ContentPart.FileRef(diff.path("path").asText(), created ? "write" : "patch", null);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    /** The paths of ACP {@code locations} ({@code [{"path": ..., "line": ...}]}), in order, each once. */
    private static List<String> paths(JsonNode locations) {
        List<String> paths = new ArrayList<>();
        for (JsonNode location : locations) {
            String path = location.path("path").asText("");
            if (!path.isEmpty() && !paths.contains(path)) {
                paths.add(path);
            }
        }
        return paths;
    }

    private static Step request(State state, String method, ObjectNode params) {
        long id = state.nextId();
        ObjectNode request = JSON.objectNode().put("jsonrpc", "2.0").put("id", id).put("method", method);
        request.set("params", params);
        Map<Long, String> requests = new HashMap<>(state.requests());
        requests.put(id, method);
        State next = new State(state.sessionId(), id + 1, requests, state.promptId(), state.open(), state.items(),
                state.toolCalls(), state.permissions(), state.turnKey());
        return new Step(next, List.of(new AcpOutput.Send(request.toString())));
    }

    private static ObjectNode answer(JsonNode id, JsonNode result) {
        ObjectNode answer = JSON.objectNode().put("jsonrpc", "2.0");
        answer.set("id", id);
        answer.set("result", result);
        return answer;
    }

    private static AcpOutput resolved(State state, String permissionId, Permission pending, String status) {
        return new AcpOutput.Emit(new AgentEvent(new EventData.PermissionResolved(permissionId, pending.action(),
                status, null), null, state.sessionId(), true));
    }

    private static AcpOutput emit(State state, EventData data, JsonNode raw) {
        return new AcpOutput.Emit(new AgentEvent(data, raw, state.sessionId(), false));
    }

    private static AcpOutput unparsed(State state, String line, String reason) {
        return new AcpOutput.Emit(UniversalItems.unparsed(NAME, line, reason, state.sessionId()));
    }

    private static String describe(JsonNode node) {
        return node.hasNonNull("method") ? "'" + node.path("method").asText() + "'"
                : node.has("id") ? "answer to an unknown request " + node.path("id") : "without a method";
    }

    private static State with(State s, String sessionId) {
        return new State(sessionId, s.nextId(), s.requests(), s.promptId(), s.open(), s.items(), s.toolCalls(),
                s.permissions(), s.turnKey());
    }

    private static State counted(State s) {
        return new State(s.sessionId(), s.nextId(), s.requests(), s.promptId(), s.open(), s.items() + 1,
                s.toolCalls(), s.permissions(), s.turnKey());
    }

    private static State withToolCalls(State s, Map<String, ToolCall> calls) {
        return new State(s.sessionId(), s.nextId(), s.requests(), s.promptId(), s.open(), s.items(), calls,
                s.permissions(), s.turnKey());
    }

    private static State withPermissions(State s, Map<String, Permission> permissions) {
        return new State(s.sessionId(), s.nextId(), s.requests(), s.promptId(), s.open(), s.items(), s.toolCalls(),
                permissions, s.turnKey());
    }
}
