package dev.sandboxagent.agents.acp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The opencode.json {@link OpencodeAdapter} writes: keys only as {@code {env:...}}, base URLs as the SDKs want. */
class OpencodeConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void keysStayInTheEnvironmentAndTheAnthropicBaseUrlGetsItsVersion() throws Exception {
        String text = OpencodeAdapter.config("anthropic/claude-sonnet-4-5", List.of("ask", "allow"),
                Map.of("ANTHROPIC_API_KEY", "sk-ant-canary", "ANTHROPIC_BASE_URL", "http://127.0.0.1:9/",
                        "OPENAI_API_KEY", "sk-openai-canary", "OPENAI_BASE_URL", "http://127.0.0.1:8/v1"));
        JsonNode config = JSON.readTree(text);

        assertThat(text).doesNotContain("canary");
        assertThat(config.at("/provider/anthropic/options/apiKey").asText()).isEqualTo("{env:ANTHROPIC_API_KEY}");
        assertThat(config.at("/provider/anthropic/options/baseURL").asText()).isEqualTo("http://127.0.0.1:9/v1");
        assertThat(config.at("/provider/openai/options/apiKey").asText()).isEqualTo("{env:OPENAI_API_KEY}");
        assertThat(config.at("/provider/openai/options/baseURL").asText()).isEqualTo("http://127.0.0.1:8/v1");
        assertThat(config.at("/permission/bash").asText()).isEqualTo("ask");
        assertThat(config.at("/permission/edit").asText()).isEqualTo("allow");
        assertThat(config.at("/model").asText()).isEqualTo("anthropic/claude-sonnet-4-5");
    }

    @Test
    void withoutABaseUrlOpencodeUsesItsOwnAndNoOpenaiProviderIsConfigured() throws Exception {
        JsonNode config = JSON.readTree(OpencodeAdapter.config("m", List.of("ask", "ask"), Map.of()));

        assertThat(config.at("/provider/anthropic/options").has("baseURL")).isFalse();
        assertThat(config.at("/provider").has("openai")).isFalse();
    }
}
