package dev.sandboxagent.agents.acp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sandboxagent.agents.AdvertisedOptions;
import dev.sandboxagent.agents.AgentReplyException;
import dev.sandboxagent.agents.AgentProtocol;
import dev.sandboxagent.agents.JsonLine;
import dev.sandboxagent.agents.ProtocolOutput;
import dev.sandboxagent.agents.WireVocabulary;
import dev.sandboxagent.schema.EventData;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An ACP agent on the adapter seam: holds the one {@link AcpProtocol.State} of its process and delegates to
 * {@link AcpProtocol}'s functions. The handshake is {@code initialize}, then {@code session/load} (resuming, when
 * the agent advertises {@code loadSession}) or {@code session/new}, then {@code session/set_mode} (or
 * {@code session/set_config_option}, as the agent advertised its modes) when a mode was asked for; the start is
 * ready once the last of these is answered, and fails on any error answer (a resume the
 * agent cannot load fails rather than starting a new conversation in silence).
 */
public final class AcpAgentProtocol implements AgentProtocol {
    static final String CLIENT_NAME = "sandbox-agent";

    private final String displayName;
    private final String cwd;
    private final String resumeSessionId;
    private final String modeId;
    private final String clientVersion;
    private AcpProtocol.State state;
    private boolean ready;
    /** What the agent's session/new or session/load answer advertised; null until then, or if it said nothing. */
    private AcpProtocol.Advertised advertised;

    /**
     * @param displayName     the agent's name in messages ("Gemini CLI")
     * @param cwd             the session's working directory
     * @param resumeSessionId the agent's session id to load, or null for a new session
     * @param modeId          a mode of the agent's to set before the first prompt, or null to keep the agent's; it
     *                        must be one the agent advertises (else the start fails, naming those it has)
     * @param clientVersion   our version, for {@code clientInfo}
     */
    public AcpAgentProtocol(String displayName, String cwd, String resumeSessionId, String modeId,
                            String clientVersion) {
        this.displayName = Objects.requireNonNull(displayName, "displayName");
        this.cwd = Objects.requireNonNull(cwd, "cwd");
        this.resumeSessionId = resumeSessionId;
        this.modeId = modeId;
        this.clientVersion = Objects.requireNonNullElse(clientVersion, "0");
        this.state = AcpProtocol.State.initial(null);
    }

    @Override
    public String nativeSessionId() {
        return state.sessionId();
    }

    @Override
    public List<ProtocolOutput> open() {
        return apply(AcpProtocol.initialize(state, CLIENT_NAME, clientVersion));
    }

    @Override
    public Optional<AdvertisedOptions> advertised() {
        return Optional.ofNullable(advertised).map(AcpProtocol.Advertised::options);
    }

    @Override
    public List<ProtocolOutput> onLine(String line) {
        return apply(AcpProtocol.read(state, line));
    }

    @Override
    public List<ProtocolOutput> startTurn(String turnId, String message) {
        return apply(AcpProtocol.prompt(state, message, turnId));
    }

    @Override
    public List<ProtocolOutput> replyPermission(String permissionId, String reply) {
        if (!state.permissions().containsKey(permissionId)) {
            throw new AgentReplyException(AgentReplyException.Reason.UNKNOWN_REQUEST,
                    displayName + " is not waiting for an answer to permission request " + permissionId);
        }
        return apply(AcpProtocol.replyPermission(state, permissionId, reply));
    }

    /** ACP agents ask no questions of their own (only permissions): no question id is ever pending. */
    @Override
    public List<ProtocolOutput> replyQuestion(String questionId, List<List<String>> answers) {
        throw noQuestion(questionId);
    }

    @Override
    public List<ProtocolOutput> rejectQuestion(String questionId) {
        throw noQuestion(questionId);
    }

    @Override
    public List<ProtocolOutput> interrupt() {
        return state.inTurn() ? apply(AcpProtocol.cancel(state)) : List.of();
    }

    private AgentReplyException noQuestion(String questionId) {
        return new AgentReplyException(AgentReplyException.Reason.UNKNOWN_REQUEST,
                displayName + " is not waiting for an answer to question " + questionId);
    }

    /** Takes the step's state and maps its outputs onto the seam's, following the handshake's answers. */
    private List<ProtocolOutput> apply(AcpProtocol.Step step) {
        state = step.state();
        List<ProtocolOutput> out = new ArrayList<>();
        for (AcpOutput output : step.outputs()) {
            if (output instanceof AcpOutput.Emit emit) {
                out.add(new ProtocolOutput.Emit(emit.event()));
            } else if (output instanceof AcpOutput.Send send) {
                out.add(new ProtocolOutput.Reply(send.line()));
            } else if (output instanceof AcpOutput.TurnFinished finished) {
                out.addAll(turnEnded(finished));
            } else if (output instanceof AcpOutput.Answered answered) {
                out.addAll(handshake(answered));
            }
        }
        return out;
    }

    private List<ProtocolOutput> handshake(AcpOutput.Answered answered) {
        if (ready) {
            return List.of(); // e.g. a late answer to something we asked after the start: nothing to do
        }
        if (answered.error() != null) {
            // gemini's message is a bare "Internal error"; what went wrong is in data.details
            JsonNode details = answered.error().path("data").path("details");
            return List.of(new ProtocolOutput.StartFailed("refused " + answered.method() + ": "
                    + answered.error().path("message").asText(answered.error().toString())
                    + (details.isTextual() ? " (" + details.asText() + ")" : "")));
        }
        switch (answered.method()) {
            case "initialize" -> {
                if (resumeSessionId == null) {
                    return apply(AcpProtocol.newSession(state, cwd));
                }
                if (!answered.result().path("agentCapabilities").path("loadSession").asBoolean(false)) {
                    return List.of(new ProtocolOutput.StartFailed(
                            "cannot load a session (it does not advertise loadSession), so conversation "
                            + resumeSessionId + " cannot be resumed"));
                }
                return apply(AcpProtocol.loadSession(state, resumeSessionId, cwd));
            }
            case "session/new", "session/load" -> {
                if (state.sessionId() == null) {
                    return List.of(new ProtocolOutput.StartFailed("answered " + answered.method()
                            + " without a session id"));
                }
                if (answered.advertised() != null) {
                    advertised = answered.advertised();
                }
                if (modeId != null) {
                    return setMode();
                }
                return ready();
            }
            case "session/set_mode", "session/set_config_option" -> {
                return ready();
            }
            default -> {
                return List.of();
            }
        }
    }

    /**
     * Sets the mode asked for, the way the agent advertised its modes: a config option (opencode) or a session mode
     * (gemini, and any agent that advertised none: its answer then says whether it has the mode). A mode the agent
     * did not advertise fails the start here, with the ones it has, rather than by the agent's bare JSON-RPC error.
     */
    private List<ProtocolOutput> setMode() {
        if (advertised != null && !advertised.options().modes().isEmpty()
                && !advertised.options().modeIds().contains(modeId)) {
            return List.of(new ProtocolOutput.StartFailed("has no mode '" + modeId + "'; it advertises "
                    + String.join(", ", advertised.options().modeIds())));
        }
        if (advertised != null && advertised.modeConfigId() != null) {
            return apply(AcpProtocol.setConfigOption(state, advertised.modeConfigId(), modeId));
        }
        return apply(AcpProtocol.setMode(state, modeId));
    }

    private List<ProtocolOutput> ready() {
        ready = true;
        return List.of(new ProtocolOutput.Ready(state.sessionId()));
    }

    /**
     * The prompt's answer: stop reason {@code cancelled} is an interrupted turn, an error answer an error (reported
     * as an error event too), any other stop reason ({@code end_turn}, {@code max_tokens}, {@code refusal}, ...) a
     * completed one whose metadata keeps the agent's reason.
     */
    private List<ProtocolOutput> turnEnded(AcpOutput.TurnFinished finished) {
        List<ProtocolOutput> out = new ArrayList<>();
        String status;
        String error = null;
        if (finished.error() != null) {
            status = "error";
            EventData.Error failure = failure(finished.error());
            error = failure.message();
            // the same message in both, as every agent's (docs/api.md, "One vocabulary for every agent")
            out.add(ProtocolOutput.emit(failure, finished.raw(), state.sessionId()));
        } else if ("cancelled".equals(finished.stopReason())) {
            status = "interrupted";
        } else {
            status = "completed";
        }
        JsonNode stopReason = finished.raw() == null ? null : finished.raw().path("result").get("stopReason");
        out.add(new ProtocolOutput.TurnEnded(new EventData.TurnEnded.Metadata(status, usage(finished.usage()), null,
                null, null, stopReason, error), finished.raw()));
        return out;
    }

    /**
     * A failed prompt's JSON-RPC error in the one vocabulary (docs/api.md): JSON-RPC does not say whose failure it
     * was, so each agent's own sign is read. Gemini CLI answers a provider's refusal with the provider's HTTP status
     * as the error's code (JSON-RPC's own codes are negative) and the provider's JSON body as its message; opencode
     * with {@code -32603} and {@code data.errorName: "APIError"} (its name for a failed provider call), without the
     * status. Anything else is the agent's own error. {@code details.agent_code} is opencode's error name, else the
     * JSON-RPC code. The message is the provider body's own {@code error.message} when the agent passed the body
     * on (kept whole in {@code details.provider_body}), else the agent's.
     */
    static EventData.Error failure(JsonNode error) {
        JsonNode code = error.get("code");
        String message = error.path("message").asText(error.toString());
        String errorName = error.path("data").path("errorName").asText(null);
        Integer httpStatus = code != null && code.canConvertToInt() && code.asInt() >= 400 && code.asInt() <= 599
                ? code.asInt() : null;
        JsonNode body = providerBody(message);
        boolean provider = httpStatus != null || "APIError".equals(errorName) || body != null;
        if (httpStatus == null && body != null && body.path("error").path("code").canConvertToInt()) {
            httpStatus = body.path("error").path("code").asInt();
        }
        String agentCode = errorName != null ? errorName : code == null ? "unknown" : code.asText();
        ObjectNode details = WireVocabulary.errorDetails(agentCode, provider ? httpStatus : null);
        if (body != null) {
            details.put("provider_body", message.strip()); // as Codex's: the text the agent passed on
            message = body.path("error").path("message").asText(message);
        }
        return new EventData.Error(message, provider ? WireVocabulary.PROVIDER_ERROR : WireVocabulary.AGENT_ERROR,
                details, null, null, null);
    }

    /** A provider's JSON error body ({@code {"error":{"message":...}}}) passed on as a message, or null. */
    private static JsonNode providerBody(String message) {
        String text = message.strip();
        if (!text.startsWith("{")) {
            return null;
        }
        JsonLine read = JsonLine.read(text);
        ObjectNode body = read.object();
        return body != null && body.path("error").path("message").isTextual() ? body : null;
    }

    /** ACP's prompt usage ({@code inputTokens}, {@code cachedReadTokens}, ...) in the one shape every agent uses. */
    private static JsonNode usage(JsonNode acp) {
        if (acp == null || !acp.isObject()) {
            return null;
        }
        return WireVocabulary.usage(WireVocabulary.count(acp, "inputTokens"),
                WireVocabulary.count(acp, "cachedReadTokens"), WireVocabulary.count(acp, "cachedWriteTokens"),
                WireVocabulary.count(acp, "outputTokens"), WireVocabulary.count(acp, "thoughtTokens"));
    }
}
