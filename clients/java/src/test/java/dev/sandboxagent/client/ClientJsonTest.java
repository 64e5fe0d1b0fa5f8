package dev.sandboxagent.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link LightJson} reads and writes exactly what the ObjectMapper the client used before did (configured as it
 * was: unknown members ignored), for every answer type and request body: the mapper is the oracle here.
 */
class ClientJsonTest {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private static final String SESSION = "{\"sessionId\":\"s1\",\"agent\":\"mock\",\"agentMode\":\"build\","
            + "\"permissionMode\":\"default\",\"model\":null,\"variant\":\"high\",\"directory\":\"/w\",\"title\":\"caf\\u00e9 \\\"q\\\"\","
            + "\"nativeSessionId\":\"n1\",\"ended\":false,\"eventCount\":3,\"createdAt\":1764630000000,"
            + "\"updatedAt\":1764630000001,\"state\":\"active\",\"runningTurnId\":null,\"someFutureField\":[1,{}]}";
    private static final String EVENT = "{\"event_id\":\"e1\",\"sequence\":7,\"time\":\"2026-12-01T00:00:00Z\","
            + "\"session_id\":\"s1\",\"source\":\"agent\",\"synthetic\":true,\"type\":\"item.delta\","
            + "\"data\":{\"n\":1,\"big\":12345678901,\"huge\":123456789012345678901234567890,\"f\":1.5,"
            + "\"e\":-2E-3,\"list\":[true,false,null,\"x\"],\"o\":{}},\"raw\":null,\"extra\":1}";

    private static final String INTEGERS = "[0,-0,7,-7,2147483647,2147483648,-2147483648,-2147483649,999999999,"
            + "1000000000,-1000000000,999999999999999999,-999999999999999999,1000000000000000000,"
            + "9223372036854775807,9223372036854775808,-9223372036854775808,-9223372036854775809,1764630000000]";

    @Test
    void readsEveryAnswerTypeAsTheMapperDid() throws Exception {
        check("{\"sessions\":[" + SESSION + "," + SESSION.replace("\"s1\"", "\"s2\"") + "]}", Wire.SessionList.class);
        check("{\"sessions\":[]}", Wire.SessionList.class);
        check(SESSION, SessionInfo.class);
        check("{\"sessionId\":\"only\"}", SessionInfo.class); // missing members: null, 0, false
        check("{\"healthy\":false,\"nativeSessionId\":null,\"error\":{\"type\":\"agent_process_exited\","
                + "\"message\":\"boom\"},\"session\":" + SESSION + "}", CreateSessionResponse.class);
        check("{\"healthy\":true,\"error\":null,\"session\":" + SESSION + "}", CreateSessionResponse.class);
        check("{\"healthy\":true}", CreateSessionResponse.class);
        check(EVENT, UniversalEvent.class);
        check(EVENT.replace(",\"raw\":null", ""), UniversalEvent.class);
        check("{\"events\":[" + EVENT + "],\"hasMore\":true}", EventsPage.class);
        check("{\"events\":null}", EventsPage.class);
        check("{\"agents\":[{\"id\":\"mock\",\"name\":\"Mock\",\"installed\":true,\"version\":null,\"path\":\"/x\","
                + "\"credentialsAvailable\":true,\"capabilities\":{\"planMode\":false,\"questions\":true}}]}",
                Wire.AgentList.class);
        check("{\"modes\":[{\"id\":\"build\",\"name\":\"Build\",\"description\":null}],\"source\":\"static\"}",
                AgentModes.class);
        check("{\"models\":[{\"id\":\"m1\",\"name\":\"One\"},{\"id\":\"m2\"}],\"defaultModel\":\"m1\"}",
                AgentModels.class);
        check("{\"mode\":\"managed\",\"state\":\"ready\",\"source\":\"managed\",\"socket\":\"/s\",\"dockerHost\":"
                + "\"unix:///s\",\"pid\":4242,\"version\":\"27\",\"since\":5,\"restarts\":2,\"lastError\":null}",
                DockerStatus.class);
        check("{\"mode\":\"off\",\"state\":\"off\",\"pid\":null}", DockerStatus.class);
        check("{\"processes\":[{\"name\":\"dockerd\",\"state\":\"ready\",\"pid\":1,\"since\":2,\"restarts\":0}]}",
                Wire.ProcessList.class);
        check("{\"name\":\"dockerd\",\"lines\":[\"a\",\"\",\"c\"]}", Wire.LogLines.class);
        check("{\"status\":\"ok\",\"version\":\"0.1.0\",\"uptimeMs\":\"12\"}", Health.class); // "12": coerced
    }

    @Test
    void parsesTreesAsTheMapperDoes() throws Exception {
        for (String text : List.of(EVENT, SESSION, "[1,2.0,-0,1e400,\"\\ud83d\\ude00\"]", "\"text\"", "42", "null",
                "{\"a\":1,\"a\":2}", INTEGERS)) {
            assertThat(LightJson.parse(text)).as(text).isEqualTo(MAPPER.readTree(text));
        }
        // integers are read from their text up to 18 digits: the same node types (int, long, big) as the parser's
        JsonNode integers = LightJson.parse(INTEGERS);
        JsonNode expected = MAPPER.readTree(INTEGERS);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(integers.get(i).getClass()).as(expected.get(i).toString()).isEqualTo(expected.get(i).getClass());
        }
        assertThatThrownBy(() -> LightJson.parse("[01]"))
                .isInstanceOf(com.fasterxml.jackson.core.JsonProcessingException.class);
        assertThat(LightJson.parse("")).isNull();
        assertThatThrownBy(() -> LightJson.parse("{\"a\":"))
                .isInstanceOf(com.fasterxml.jackson.core.JsonProcessingException.class);
        assertThatThrownBy(() -> LightJson.parse("<html>"))
                .isInstanceOf(com.fasterxml.jackson.core.JsonProcessingException.class);
    }

    @Test
    void writesRequestBodiesAsTheMapperDid() throws Exception {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("message", "h\u00e9llo \"world\"\n");
        message.put("credentials", Map.of("ANTHROPIC_API_KEY", "k"));
        Map<String, Object> withNull = new LinkedHashMap<>();
        withNull.put("agentVersion", null);
        withNull.put("reinstall", true);
        List<Object> bodies = List.of(
                CreateSessionRequest.of("mock"),
                CreateSessionRequest.builder("claude").agentMode("plan").permissionMode("bypass").model("m")
                        .variant("v").directory("/w").title("t").credentials(Map.of("A", "1")).install(false)
                        .build(),
                message, withNull, Map.of("answers", List.of(List.of("yes"), List.of())), Map.of("n", 12L),
                Map.of("reply", PermissionReply.ALWAYS.wire()));
        for (Object body : bodies) {
            assertThat(new String(LightJson.encode(body), java.nio.charset.StandardCharsets.UTF_8)).as("%s", body)
                    .isEqualTo(MAPPER.writeValueAsString(body));
        }
    }

    /**
     * The records a list reads are read by hand (LightJson: no reflection on `api sessions list`'s path); they must
     * give what reading them by their components gives, with every component set to a value of its own, so that a
     * renamed component the hand-written reader still looks up by its old name fails here.
     */
    @Test
    void handWrittenReadersMatchTheComponents() throws Exception {
        StringBuilder json = new StringBuilder("{");
        java.lang.reflect.RecordComponent[] components = SessionInfo.class.getRecordComponents();
        for (int i = 0; i < components.length; i++) {
            Class<?> type = components[i].getType();
            json.append(i == 0 ? "" : ",").append('"').append(components[i].getName()).append("\":")
                    .append(type == String.class ? "\"v" + i + "\"" : type == boolean.class ? "true" : "" + (100 + i));
        }
        String session = json.append('}').toString();
        SessionInfo read = LightJson.decode(LightJson.parse(session), SessionInfo.class);
        assertThat(read).isEqualTo(LightJson.decodeReflectively(LightJson.parse(session), SessionInfo.class))
                .isEqualTo(MAPPER.readValue(session, SessionInfo.class));
        assertThat(read.variant()).isEqualTo("v5");
        String list = "{\"sessions\":[" + session + ",null," + SESSION + "]}";
        assertThat(LightJson.decode(LightJson.parse(list), Wire.SessionList.class))
                .isEqualTo(LightJson.decodeReflectively(LightJson.parse(list), Wire.SessionList.class))
                .isEqualTo(MAPPER.readValue(list, Wire.SessionList.class));
        check("{\"sessions\":null}", Wire.SessionList.class);
        check("{}", Wire.SessionList.class);
        check("{\"sessionId\":\"s\",\"ended\":null,\"eventCount\":null,\"createdAt\":\"12\"}", SessionInfo.class);
    }

    @Test
    void anAnswerOfTheWrongShapeSaysWhere() {
        assertThatThrownBy(() -> HttpTransport.convert(LightJson.parse(
                "{\"sessions\":[{\"sessionId\":\"s\",\"eventCount\":\"many\"}]}"), Wire.SessionList.class))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessage("unexpected answer shape for SessionList: $.sessions[0].eventCount: expected a number,"
                        + " got a string");
        assertThatThrownBy(() -> HttpTransport.convert(LightJson.parse(
                "{\"sessions\":[{\"sessionId\":{},\"ended\":\"no\"}]}"), Wire.SessionList.class))
                .hasMessage("unexpected answer shape for SessionList: $.sessions[0].sessionId: expected a string,"
                        + " got an object");
        assertThatThrownBy(() -> HttpTransport.convert(LightJson.parse(
                "{\"sessions\":[{\"sessionId\":\"s\",\"ended\":\"no\"}]}"), Wire.SessionList.class))
                .hasMessage("unexpected answer shape for SessionList: $.sessions[0].ended: expected true or false,"
                        + " got a string");
        assertThatThrownBy(() -> HttpTransport.convert(LightJson.parse("{\"sessions\":[1]}"),
                Wire.SessionList.class)).hasMessageContaining("$.sessions[0]: expected an object, got a number");
        assertThatThrownBy(() -> HttpTransport.convert(LightJson.parse("{\"sessions\":{}}"), Wire.SessionList.class))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("$.sessions: expected an array, got an object");
    }

    private static <T> void check(String json, Class<T> type) throws Exception {
        T expected = MAPPER.readValue(json, type);
        T actual = LightJson.decode(LightJson.parse(json), type);
        assertThat(actual).as(json).isEqualTo(expected);
    }
}
