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
     * A session is read by hand (LightJson, on create's path; a list's and get's answers by PlainRecords): it must
     * give what reading it by its components gives, with every component set to a value of its own, so that a
     * renamed component the hand-written reader still looks up by its old name fails here.
     */
    @Test
    void handWrittenReadersMatchTheComponents() throws Exception {
        String session = everyComponentSet();
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

    /**
     * PlainJson (the list's and get's parser, no Jackson) reads every document into the values the mapper's tree
     * holds: whole numbers at the int/long/big boundaries, fractions, escapes, a surrogate pair as the real
     * character, repeated names (the last wins), unknown members kept for the readers to ignore.
     */
    @Test
    void plainTreesHoldWhatTheMappersTreeHolds() throws Exception {
        for (String text : List.of(EVENT, SESSION, INTEGERS, "[1,2.0,-0,-0.0,1e400,1E+2,0.5e-3,\"\\ud83d\\ude00\"]",
                "\"text\"", "42", "null", "true", "{\"a\":1,\"a\":2,\"b\":[]}", " {\n\t\"a\" : [ {} , [ ] ] \r\n} ",
                "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u0000\u00e9\u4e2d\"",
                "[123456789012345678901234567890,-123456789012345678901234567890,1.7976931348623157E308]",
                "[" + "[".repeat(PlainJson.MAX_DEPTH - 1) + "]".repeat(PlainJson.MAX_DEPTH))) {
            assertThat(PlainJson.parse(text)).as(text).isEqualTo(plain(MAPPER.readTree(text)));
        }
        assertThat(PlainJson.parse("\"\\ud83d\\ude00\"")).isEqualTo("\uD83D\uDE00")
                .isEqualTo(new String(Character.toChars(0x1F600)));
        assertThat(PlainJson.parse("[-9223372036854775808,9223372036854775807,9223372036854775808]"))
                .isEqualTo(List.of(Long.MIN_VALUE, Long.MAX_VALUE, new java.math.BigInteger("9223372036854775808")));
    }

    /** What the mapper refuses, PlainJson refuses too, saying what, where in the text and at which path. */
    @Test
    void plainRefusesWhatTheMapperRefusesAndSaysWhere() throws Exception {
        for (String text : List.of("", " ", "[01]", "{\"a\":", "<html>", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}",
                "{'a':1}", "tru", "nul", "[NaN]", "[+1]", "[1.]", "[.5]", "[1e]", "[-]", "[1 2]", "{,}",
                "[\"a\u0001\"]",
                "[\"\\x\"]", "[\"\\u12\"]", "[\"\\u12g4\"]", "\"open", "[", "{", "{\"a\"", "[1}", "{\"a\":1]",
                "[" + "1".repeat(PlainJson.MAX_NUMBER_LENGTH + 1) + "]",
                "[".repeat(PlainJson.MAX_DEPTH + 1) + "]".repeat(PlainJson.MAX_DEPTH + 1))) {
            boolean mapperRefuses;
            try {
                mapperRefuses = MAPPER.readTree(text) == null || MAPPER.readTree(text).isMissingNode();
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                mapperRefuses = true;
            }
            assertThat(mapperRefuses).as("the mapper refuses %s", text).isTrue();
            assertThatThrownBy(() -> PlainJson.parse(text)).as(text).isInstanceOf(PlainJson.Malformed.class)
                    .hasMessageMatching(".+ at \\$\\S* \\(line \\d+, column \\d+\\)");
        }
        // more than the mapper's readTree: text after the document is refused, not ignored
        assertThatThrownBy(() -> PlainJson.parse("{} x")).hasMessage(
                "unexpected character 'x' after the end of the document at $ (line 1, column 4)");
        assertThatThrownBy(() -> PlainJson.parse("<html>")).hasMessage("unexpected character '<', expected a value"
                + " (an object, an array, a string, a number, true, false or null) at $ (line 1, column 1)");
        assertThatThrownBy(() -> PlainJson.parse("{\"sessions\":[{\"sessionId\":\"s\",\n\"title\":\"ab"))
                .hasMessage("unexpected end of input in a string at $.sessions[0].title (line 2, column 12)");
        assertThatThrownBy(() -> PlainJson.parse("{\"sessions\":[{},{\"eventCount\":01}]}"))
                .hasMessage("a number with a leading zero at $.sessions[1].eventCount (line 1, column 31)");
        assertThatThrownBy(() -> PlainJson.parse("{\"a\":[1,2 3]}")).hasMessage(
                "unexpected character '3' after an element of an array (',' or ']' expected) at $.a"
                        + " (line 1, column 11)");
        assertThatThrownBy(() -> PlainJson.parse("[\"tab\there\"]")).hasMessage(
                "unescaped control character U+0009 in a string at $[0] (line 1, column 6)");
        assertThatThrownBy(() -> PlainJson.parse("[".repeat(PlainJson.MAX_DEPTH + 1)))
                .hasMessageStartingWith("the document is nested deeper than 1000 levels at $" + "[0]".repeat(1000));
    }

    /** The list's and get's records read from PlainJson's tree: what the mapper reads, and the same messages. */
    @Test
    void plainReadersReadWhatTheMapperReads() throws Exception {
        String every = everyComponentSet();
        for (String session : List.of(SESSION, every, "{\"sessionId\":\"only\"}", "{}", "{\"sessionId\":\"s\","
                + "\"ended\":null,\"eventCount\":null,\"createdAt\":\" 12 \",\"updatedAt\":1.9,\"title\":7,"
                + "\"agent\":true,\"model\":2.5,\"variant\":123456789012345678901234567890}")) {
            checkPlain(session, SessionInfo.class);
            checkPlain("{\"sessions\":[" + session + ",null," + session + "]}", Wire.SessionList.class);
        }
        for (String list : List.of("{\"sessions\":[]}", "{\"sessions\":null}", "{}", "null")) {
            checkPlain(list, Wire.SessionList.class);
        }
        assertThat(PlainRecords.decode(PlainJson.parse(every), SessionInfo.class).variant()).isEqualTo("v5");
        for (String misfit : List.of("{\"sessions\":[{\"sessionId\":\"s\",\"eventCount\":\"many\"}]}",
                "{\"sessions\":[{\"sessionId\":{},\"ended\":\"no\"}]}",
                "{\"sessions\":[{\"sessionId\":\"s\",\"ended\":\"no\"}]}",
                "{\"sessions\":[{},1]}", "{\"sessions\":{}}", "{\"sessions\":\"x\"}", "[]",
                "{\"sessions\":[{\"title\":[]}]}",
                "{\"sessions\":[{\"createdAt\":true}]}", "{\"sessions\":[{\"ended\":1}]}")) {
            String viaJackson = messageOf(() -> HttpTransport.convert(LightJson.parse(misfit), Wire.SessionList.class));
            assertThat(viaJackson).as(misfit).startsWith("unexpected answer shape for SessionList: $");
            assertThat(messageOf(() -> PlainRecords.decode(PlainJson.parse(misfit), Wire.SessionList.class)))
                    .isEqualTo(viaJackson.substring("unexpected answer shape for SessionList: ".length()));
        }
    }

    private static <T> void checkPlain(String json, Class<T> type) throws Exception {
        T expected = MAPPER.readValue(json, type);
        assertThat(PlainRecords.decode(PlainJson.parse(json), type)).as(json).isEqualTo(expected)
                .isEqualTo(LightJson.decode(LightJson.parse(json), type));
    }

    private static String messageOf(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        try {
            call.call();
        } catch (Throwable e) {
            return e.getMessage();
        }
        throw new AssertionError("no failure");
    }

    /** The mapper's tree as PlainJson's values: whole numbers as Long (or BigInteger past it), fractions as Double. */
    private static Object plain(JsonNode node) {
        if (node.isObject()) {
            Map<String, Object> members = new LinkedHashMap<>();
            node.properties().forEach(member -> members.put(member.getKey(), plain(member.getValue())));
            return members;
        }
        if (node.isArray()) {
            List<Object> items = new java.util.ArrayList<>();
            node.forEach(item -> items.add(plain(item)));
            return items;
        }
        if (node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isInt() || node.isLong()) {
            return node.longValue();
        }
        if (node.isBigInteger()) {
            return node.bigIntegerValue();
        }
        if (node.isDouble()) {
            return node.doubleValue();
        }
        throw new AssertionError("a node PlainJson has no value for: " + node.getNodeType());
    }

    private static <T> void check(String json, Class<T> type) throws Exception {
        T expected = MAPPER.readValue(json, type);
        T actual = LightJson.decode(LightJson.parse(json), type);
        assertThat(actual).as(json).isEqualTo(expected);
    }

    /** A session's JSON with every component of SessionInfo set to a value of its own (v0, 101, true, ...). */
    private static String everyComponentSet() {
        StringBuilder json = new StringBuilder("{");
        java.lang.reflect.RecordComponent[] components = SessionInfo.class.getRecordComponents();
        for (int i = 0; i < components.length; i++) {
            Class<?> type = components[i].getType();
            json.append(i == 0 ? "" : ",").append('"').append(components[i].getName()).append("\":")
                    .append(type == String.class ? "\"v" + i + "\"" : type == boolean.class ? "true" : "" + (100 + i));
        }
        return json.append('}').toString();
    }
}
