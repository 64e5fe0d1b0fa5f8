package dev.sandboxagent.agents;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AgentCatalogTest {

    @Test
    void theBuiltInCatalogKnowsTheMockAgent() {
        AgentCatalog catalog = AgentCatalog.builtIn();
        assertThat(catalog.ids()).containsExactly("mock");
        assertThat(catalog.find("nope")).isEmpty();
        AgentDescriptor mock = catalog.find("mock").orElseThrow().descriptor();
        assertThat(mock.id()).isEqualTo("mock");
        assertThat(mock.name()).isEqualTo("Mock agent");
        assertThat(mock.installed()).isTrue();
        assertThat(mock.credentialsAvailable()).isTrue();
        assertThat(mock.version()).isEqualTo("1");
        assertThat(mock.capabilities()).containsExactlyInAnyOrder("textMessages", "streamingDeltas", "toolCalls",
                "toolResults", "permissions", "questions", "errorEvents", "sessionLifecycle", "itemStarted");
        assertThat(mock.modes()).extracting(AgentDescriptor.AgentMode::id).containsExactly("build");
        assertThat(mock.permissionModes()).containsExactly("default", "bypass");
        assertThat(mock.defaultModel()).isEqualTo("mock");
        assertThat(mock.models()).containsExactly("mock");
    }

    @Test
    void everyBuiltInAgentIsFiledUnderItsDescriptorsId(@org.junit.jupiter.api.io.TempDir java.nio.file.Path agents) {
        AgentCatalog catalog = AgentCatalog.builtIn(new AgentContext(agents, java.util.Map.of()));

        assertThat(catalog.ids()).containsExactly("claude", "codex", "gemini", "mock", "opencode", "pi");
        for (String id : catalog.ids()) {
            assertThat(catalog.find(id).orElseThrow().descriptor().id()).isEqualTo(id);
        }
    }

    /** The server's configuration reads and checks exactly the variables the adapters declare, one per CLI agent. */
    @Test
    void everyCliAgentsExecutableVariableIsListedForTheConfiguration(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path agents) {
        AgentCatalog catalog = AgentCatalog.builtIn(new AgentContext(agents, java.util.Map.of()));
        java.util.Map<String, String> declared = new java.util.LinkedHashMap<>();
        for (String id : catalog.ids()) {
            if (catalog.find(id).orElseThrow() instanceof CliAgentAdapter cli) {
                declared.put(id, cli.spec().executableVariable());
            }
        }
        assertThat(declared).isNotEmpty();
        assertThat(AgentCatalog.executableVariables()).containsExactlyInAnyOrderEntriesOf(declared);
    }
}
