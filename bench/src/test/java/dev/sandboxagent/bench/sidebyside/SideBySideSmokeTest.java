package dev.sandboxagent.bench.sidebyside;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The side-by-side benchmark, run for real with tiny sizes against our server (spawned by bin/sandbox-agent, as a
 * user runs it), ours alone: every scenario must produce its figures, and each figure must be a plausible number.
 * No timing thresholds: this keeps the harness from rotting, it does not judge the server's speed.
 */
class SideBySideSmokeTest {
    @TempDir
    Path temp;

    @Test
    void aQuickRunProducesEveryScenarioWithSaneFigures() throws Exception {
        Path json = temp.resolve("result.json");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try {
            SideBySide.run(Options.parse("--quick", "--no-anchor", "--json", json.toString()),
                    new PrintStream(printed, true, StandardCharsets.UTF_8));
        } finally {
            System.out.print(printed.toString(StandardCharsets.UTF_8)); // into the surefire report
        }

        JsonNode result = Http.JSON.readTree(json.toFile());
        result.path("notes").fieldNames().forEachRemaining(note -> assertThat(note)
                .as(result.path("notes").path(note).asText()).doesNotContain("failed"));
        assertThat(result.path("anchor").path("available").asBoolean(true)).isFalse();
        assertThat(result.path("machine").path("cores").asInt()).isPositive();
        Set<String> scenarios = new HashSet<>();
        for (JsonNode figure : result.path("figures")) {
            String name = figure.path("name").asText();
            scenarios.add(figure.path("scenario").asText());
            JsonNode ours = figure.path("ours");
            assertThat(ours.path("samples").size()).as(name).isEqualTo(1);
            double median = ours.path("median").asDouble(Double.NaN);
            assertThat(Double.isFinite(median)).as(name + " = " + median).isTrue();
            assertThat(figure.path("anchor").isNull()).as(name + " has no anchor figure").isTrue();
            if (name.contains("gaps")) {
                assertThat(median).as(name).isZero();
            } else if (name.startsWith("latency_client_")) {
                assertThat(median).as(name).isGreaterThanOrEqualTo(0); // the harness may well not collect at all
            } else if (name.equals("agent_cpu_per_turn_ms") || name.endsWith("_cpu_us_per_event")) {
                assertThat(median).as(name).isGreaterThanOrEqualTo(0); // CPU ticks are 10 ms: can round to 0
            } else if (!name.contains("per_session")) { // a difference over 2-4 sessions: noise can make it < 0
                assertThat(median).as(name).isPositive();
            }
        }
        assertThat(scenarios).containsExactlyInAnyOrderElementsOf(Options.SCENARIOS);
        assertThat(figure(result, "restart_stored_events").path("ours").path("median").asDouble())
                .isGreaterThan(500); // the deltas and the turn's own events
        assertThat(figure(result, "live_4_threads_per_session")).isNotNull();
        // The harness's own pauses in the latency window, reported beside the percentiles they can inflate
        for (String own : new String[] {"latency_client_gc_ms", "latency_client_gcs", "latency_client_jit_ms"}) {
            assertThat(figure(result, own)).as(own).isNotNull();
        }
        // agent write to SSE receive (the latency), from the mock's own stamp in each delta
        assertThat(figure(result, "agent_write_to_sse_p99_ms")).isNotNull();
        assertThat(figure(result, "idle_rss_mib").path("ours").path("median").asDouble()).isBetween(1.0, 4096.0);

        String table = printed.toString(StandardCharsets.UTF_8);
        assertThat(table).contains("anchor: not run (--no-anchor)", "start_to_healthy_ms", "turn_p50_ms", "n/a");
    }

    private static JsonNode figure(JsonNode result, String name) {
        for (JsonNode figure : result.path("figures")) {
            if (figure.path("name").asText().equals(name)) {
                return figure;
            }
        }
        return null;
    }
}
