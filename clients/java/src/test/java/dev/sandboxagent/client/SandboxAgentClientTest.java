package dev.sandboxagent.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the client sends and how it reads answers, against a scripted server. */
class SandboxAgentClientTest {

    @Test
    void sendsTheTokenAndReadsTypedAnswers() throws Exception {
        String session = "{\"sessionId\":\"s1\",\"agent\":\"mock\",\"agentMode\":\"build\","
                + "\"permissionMode\":\"default\","
                + "\"model\":null,\"variant\":null,\"directory\":\"/w\",\"title\":null,\"nativeSessionId\":\"n1\","
                + "\"ended\":false,\"eventCount\":3,\"createdAt\":1,\"updatedAt\":2,\"state\":\"active\","
                + "\"runningTurnId\":null,\"someFutureField\":42}";
        try (FakeServer server = new FakeServer((request, exchange) -> {
            switch (request.method() + " " + request.path()) {
                case "GET /v1/sessions" -> FakeServer.json(exchange, 200, "{\"sessions\":[" + session + "]}");
                case "POST /v1/sessions/s1" -> FakeServer.json(exchange, 200,
                        "{\"healthy\":true,\"nativeSessionId\":\"n1\",\"session\":" + session + "}");
                case "POST /v1/sessions/s1/messages" -> FakeServer.json(exchange, 202, "{\"turnId\":\"turn_1\"}");
                default -> FakeServer.json(exchange, 500, "{}");
            }
        })) {
            SandboxAgentClient client = server.client("secret");

            List<SessionInfo> sessions = client.listSessions();
            assertThat(sessions).singleElement().satisfies(s -> {
                assertThat(s.sessionId()).isEqualTo("s1");
                assertThat(s.eventCount()).isEqualTo(3);
                assertThat(s.runningTurnId()).isNull();
            });
            CreateSessionResponse created = client.createSession("s1",
                    CreateSessionRequest.builder("mock").title("demo").build(), "key-1");
            assertThat(created.healthy()).isTrue();
            assertThat(created.session().directory()).isEqualTo("/w");
            assertThat(client.sendMessage("s1", "hello", null)).isEqualTo("turn_1");

            FakeServer.Request create = server.requests.get(1);
            assertThat(create.header("Authorization")).isEqualTo("Bearer secret");
            assertThat(create.header("Idempotency-Key")).isEqualTo("key-1");
            // unset options are left out so that the server applies its defaults
            assertThat(create.body()).isEqualTo("{\"agent\":\"mock\",\"title\":\"demo\"}");
            assertThat(server.requests.get(2).body()).isEqualTo("{\"message\":\"hello\"}");
            assertThat(server.requests.get(2).header("Idempotency-Key")).isNull();
        }
    }

    @Test
    void installFalseIsSentAndTheServersRefusalIsItsProblem() throws Exception {
        try (FakeServer server = new FakeServer((request, exchange) -> FakeServer.send(exchange, 409,
                "application/problem+json", "{\"type\":\"urn:sandbox-agent:error:agent_not_installed\","
                        + "\"title\":\"Agent not installed\",\"status\":409,"
                        + "\"detail\":\"claude is not installed\"}"))) {
            SandboxAgentClient client = server.client("t");
            assertThatThrownBy(() -> client.createSession("s1",
                    CreateSessionRequest.builder("claude").install(false).build()))
                    .isInstanceOfSatisfying(SandboxAgentException.class, e -> {
                        assertThat(e.status()).isEqualTo(409);
                        assertThat(e.kind()).isEqualTo("agent_not_installed");
                    });
            assertThat(server.requests.get(0).body()).isEqualTo("{\"agent\":\"claude\",\"install\":false}");
            // by default the field is left out: the server installs a missing agent
            assertThatThrownBy(() -> client.createSession("s1", CreateSessionRequest.of("claude")))
                    .isInstanceOf(SandboxAgentException.class);
            assertThat(server.requests.get(1).body()).isEqualTo("{\"agent\":\"claude\"}");
            assertThat(CreateSessionRequest.builder("claude").install(false).build().toString())
                    .endsWith("install=false]");
        }
    }

    @Test
    void withoutATokenSendsNoAuthorizationHeader() throws Exception {
        try (FakeServer server = new FakeServer((request, exchange) ->
                FakeServer.json(exchange, 200, "{\"status\":\"ok\",\"version\":\"0.1.0\",\"uptimeMs\":5}"))) {
            Health health = server.client(null).health();
            assertThat(health.status()).isEqualTo("ok");
            assertThat(server.requests.get(0).header("Authorization")).isNull();
        }
    }

    @Test
    void problemJsonBecomesAnExceptionWithDetailStatusAndExtensions() throws Exception {
        try (FakeServer server = new FakeServer((request, exchange) -> FakeServer.send(exchange, 409,
                "application/problem+json", "{\"type\":\"urn:sandbox-agent:error:session_busy\",\"title\":\"Busy\","
                        + "\"status\":409,\"detail\":\"turn turn_7 is running\",\"turnId\":\"turn_7\"}"))) {
            assertThatThrownBy(() -> server.client("t").sendMessage("s1", "hi"))
                    .isInstanceOfSatisfying(SandboxAgentException.class, e -> {
                        assertThat(e.status()).isEqualTo(409);
                        assertThat(e.kind()).isEqualTo("session_busy");
                        assertThat(e.getMessage()).isEqualTo("turn turn_7 is running (409)");
                        assertThat(e.problem().extension("turnId").asText()).isEqualTo("turn_7");
                    });
        }
    }

    @Test
    void anErrorThatIsNotProblemJsonStillShowsWhatCameBack() throws Exception {
        try (FakeServer server = new FakeServer((request, exchange) ->
                FakeServer.send(exchange, 502, "text/html", "<h1>Bad gateway</h1>"))) {
            assertThatThrownBy(() -> server.client(null).listAgents())
                    .isInstanceOf(SandboxAgentException.class)
                    .hasMessage("<h1>Bad gateway</h1> (502)");
        }
    }

    /**
     * A garbled answer to the list (or get) is "not JSON", saying what is wrong and where: the path of the value
     * being read, the line and the column (PlainJson reads these answers, not jackson-core); a well-formed answer
     * of the wrong shape names the member.
     */
    @Test
    void aGarbledListSaysWhereTheAnswerStopsBeingJson() throws Exception {
        String cut = "{\"sessions\":[{\"sessionId\":\"s1\",\"title\":\"unfinished";
        try (FakeServer server = new FakeServer((request, exchange) -> FakeServer.json(exchange, 200,
                request.path().equals("/v1/sessions") ? cut : "{\"sessionId\":\"s1\",\"eventCount\":[]}"))) {
            assertThatThrownBy(() -> server.client(null).listSessions())
                    .isInstanceOf(java.io.UncheckedIOException.class)
                    .hasMessage("the server at " + server.url() + " sent an answer that is not JSON: unexpected end"
                            + " of input in a string at $.sessions[0].title (line 1, column 51)");
            assertThatThrownBy(() -> server.client(null).getSession("s1"))
                    .isInstanceOf(java.io.UncheckedIOException.class)
                    .hasMessage("unexpected answer shape for SessionInfo: $.eventCount: expected a number, got an"
                            + " array");
        }
    }

    @Test
    void nobodyListeningIsServerUnavailableNamingTheUrl() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        URI url = URI.create("http://127.0.0.1:" + port);
        SandboxAgentClient client = SandboxAgentClient.builder().baseUrl(url).build();
        assertThatThrownBy(client::health)
                .isInstanceOfSatisfying(ServerUnavailableException.class,
                        e -> assertThat(e.baseUrl()).isEqualTo(url))
                .hasMessage("no sandbox-agent server answers at " + url + " (connection refused)");
    }

    @Test
    void idsArePercentEncodedSoTheyCannotChangeThePath() throws Exception {
        try (FakeServer server = new FakeServer((request, exchange) -> FakeServer.send(exchange, 204, "", ""))) {
            server.client(null).replyPermission("a b", "x/../y?z", PermissionReply.ALWAYS);
            FakeServer.Request request = server.requests.get(0);
            assertThat(request.path()).isEqualTo("/v1/sessions/a%20b/permissions/x%2F..%2Fy%3Fz/reply");
            assertThat(request.body()).isEqualTo("{\"reply\":\"always\"}");
        }
    }

    @Test
    void aBaseUrlWithAPathPrefixKeepsIt() throws Exception {
        try (FakeServer server = new FakeServer((request, exchange) ->
                FakeServer.json(exchange, 200, "{\"agents\":[]}"))) {
            SandboxAgentClient client = SandboxAgentClient.builder()
                    .baseUrl(URI.create(server.url() + "/proxy/agent")).build();
            assertThat(client.listAgents()).isEmpty();
            assertThat(server.requests.get(0).path()).isEqualTo("/proxy/agent/v1/agents");
        }
    }

    @Test
    void rejectsAUrlThatIsNotHttp() {
        assertThatThrownBy(() -> SandboxAgentClient.builder().baseUrl(URI.create("ftp://x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("http://");
    }
}
