package dev.sandboxagent.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandboxagent.agents.AgentDescriptor.AgentMode;
import dev.sandboxagent.agents.CliLaunchSpec.PermissionMode;
import dev.sandboxagent.agents.install.NpmPackage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The prelude every installed agent CLI shares, driven by a launch spec alone: what it refuses, what it prepares,
 * and that a transcript it cannot read fails the start instead of starting a new conversation in its place.
 */
class CliAgentAdapterTest {
    private static final String OVERRIDE = "SANDBOX_AGENT_TESTCLI_PATH";
    private static final CliLaunchSpec SPEC = new CliLaunchSpec("testcli", "Test CLI",
            new NpmPackage("@example/testcli", "testcli", "1.0.0"), OVERRIDE, List.of("TESTCLI_KEY"),
            List.of("textMessages"),
            List.of(new AgentMode("build", "Build", "b"), new AgentMode("plan", "Plan", "p")),
            List.of(PermissionMode.of("default", "ask"), PermissionMode.of("plan", "read-only"),
                    PermissionMode.of("bypass", "yolo")),
            "m1", List.of("m1"), Pattern.compile("[a-z0-9-]+"), "session id", "cli-home", false,
            Duration.ofSeconds(5));

    @TempDir
    Path dir;

    /** The prelude's result, and what the transcript lookup does. */
    private final AtomicReference<CliAgentAdapter.Prepared> prepared = new AtomicReference<>();
    private volatile IOException transcriptFailure;
    private volatile boolean transcriptKept;

    /** The executable OVERRIDE names is chosen as a server's configuration would; it stays in the environment. */
    private AgentContext context(Map<String, String> env) {
        return new AgentContext(dir.resolve("agents"), env,
                env.containsKey(OVERRIDE) ? Map.of(SPEC.id(), Path.of(env.get(OVERRIDE))) : Map.of());
    }

    private CliAgentAdapter adapter(Map<String, String> env) {
        return new CliAgentAdapter(context(env), SPEC) {
            @Override
            protected Command command(Prepared p) throws IOException {
                prepared.set(p);
                throw new IOException("stop here: the test needs only the prelude");
            }

            @Override
            protected boolean hasTranscript(Path home, String nativeSessionId) throws IOException {
                if (transcriptFailure != null) {
                    throw transcriptFailure;
                }
                return transcriptKept;
            }
        };
    }

    private CliAgentAdapter installed() {
        return adapter(Map.of(OVERRIDE, "/bin/cat", "PATH", "/usr/bin:/bin"));
    }

    private AgentLaunch launch(String agentMode, String permissionMode, String resume) {
        return new AgentLaunch("s1", dir, dir.resolve("state"), agentMode, permissionMode, null, resume,
                Map.of(OVERRIDE, "/bin/cat", "TESTCLI_KEY", "k"));
    }

    private static final AgentListener NOBODY = new AgentListener() {
        @Override
        public void onEvent(AgentEvent event) {
            throw new AssertionError("no event expected");
        }

        @Override
        public void onExit(AgentExit exit) {
            throw new AssertionError("no exit expected");
        }
    };

    @Test
    void aTranscriptThatCannotBeReadFailsTheResumeInsteadOfStartingAfresh() {
        transcriptFailure = new IOException("Permission denied");
        assertThatThrownBy(() -> installed().start(launch("build", "default", "conv-1"), NOBODY))
                .isInstanceOf(AgentStartException.class)
                .hasMessageContaining("cannot tell whether Test CLI kept conversation conv-1")
                .hasMessageContaining("Permission denied")
                .hasMessageContaining("nothing was started");
        assertThat(prepared.get()).isNull(); // the command was never built, so nothing ran

        transcriptFailure = null;
        CliAgentAdapter walking = new CliAgentAdapter(context(Map.of(OVERRIDE, "/bin/cat")), SPEC) {
            @Override
            protected Command command(Prepared p) {
                throw new AssertionError("must not be reached");
            }

            @Override
            protected boolean hasTranscript(Path home, String nativeSessionId) {
                throw new UncheckedIOException(new IOException("walk failed")); // what Files.walk throws
            }
        };
        assertThatThrownBy(() -> walking.start(launch("build", "default", "conv-1"), NOBODY))
                .isInstanceOf(AgentStartException.class).hasMessageContaining("walk failed");
    }

    @Test
    void aResumeSaysWhetherTheTranscriptWasFound() {
        transcriptKept = true;
        assertThatThrownBy(() -> installed().start(launch("build", "default", "conv-1"), NOBODY))
                .hasMessageContaining("stop here");
        assertThat(prepared.get().resumeId()).isEqualTo("conv-1");
        assertThat(prepared.get().transcriptFound()).isTrue();
        transcriptKept = false;
        assertThatThrownBy(() -> installed().start(launch("build", "default", "conv-2"), NOBODY))
                .hasMessageContaining("stop here");
        assertThat(prepared.get().transcriptFound()).isFalse();
    }

    @Test
    void thePreludePreparesTheHomeModesAndEnvironment() throws Exception {
        assertThatThrownBy(() -> installed().start(launch(null, null, null), NOBODY))
                .isInstanceOf(AgentStartException.class).hasMessageContaining("cannot prepare Test CLI's home");
        CliAgentAdapter.Prepared p = prepared.get();
        assertThat(p.home()).isEqualTo(dir.resolve("state").resolve("cli-home"));
        assertThat(Files.isDirectory(p.home())).isTrue();
        assertThat(p.agentMode()).isEqualTo("build");
        assertThat(p.permissionMode()).isEqualTo("default");
        assertThat(p.nativePermissionMode()).containsExactly("ask");
        assertThat(p.executable()).isEqualTo(Path.of("/bin/cat"));
        assertThat(p.environment()).containsEntry("TESTCLI_KEY", "k").doesNotContainKey(OVERRIDE);
        assertThat(p.resumeId()).isNull();
        assertThat(p.modelOr("fallback")).isEqualTo("fallback");

        assertThatThrownBy(() -> installed().start(launch("plan", "bypass", null), NOBODY))
                .hasMessageContaining("stop here");
        assertThat(prepared.get().permissionMode()).isEqualTo("plan"); // the plan mode decides
        assertThat(prepared.get().nativePermissionMode()).containsExactly("read-only");
    }

    @Test
    void thePreludeRefusesWhatTheAgentCannotDoInWordsAUserCanActOn() {
        assertThatThrownBy(() -> installed().start(launch("review", null, null), NOBODY))
                .hasMessage("Test CLI has no agent mode 'review'; it has build, plan");
        assertThatThrownBy(() -> installed().start(launch("build", "acceptEdits", null), NOBODY))
                .hasMessage("Test CLI has no permission mode 'acceptEdits'; it has default, plan, bypass");
        assertThatThrownBy(() -> installed().start(launch("build", null, "x y; z"), NOBODY))
                .hasMessage("'x y; z' is not a Test CLI session id to resume");
        assertThatThrownBy(() -> adapter(Map.of("PATH", dir.toString())).start(launch("build", null, null), NOBODY))
                .hasMessage("Test CLI is not installed: run `sandbox-agent install-agent testcli` (or POST "
                        + "/v1/agents/testcli/install)");
        assertThat(prepared.get()).isNull();
    }

    @Test
    void theDescriptorComesFromTheSpec() {
        AgentDescriptor d = adapter(Map.of(OVERRIDE, "/bin/cat", "TESTCLI_KEY", "k")).descriptor();
        assertThat(d.id()).isEqualTo("testcli");
        assertThat(d.installed()).isTrue();
        assertThat(d.credentialsAvailable()).isTrue();
        assertThat(d.permissionModes()).containsExactly("default", "plan", "bypass");
        assertThat(adapter(Map.of(OVERRIDE, "/bin/cat")).descriptor().credentialsAvailable()).isFalse();
    }
}
