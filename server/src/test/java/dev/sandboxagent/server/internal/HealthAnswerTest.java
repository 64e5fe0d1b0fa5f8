package dev.sandboxagent.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The hand-written health body is JSON that says what the JsonObject it replaced said, whatever the values hold. */
class HealthAnswerTest {
    @Test
    void theBodyHasTheMembersInTheirOrder() {
        assertThat(new HealthAnswer("0.1.0", 42, "off", "ok").json())
                .isEqualTo("{\"status\":\"ok\",\"version\":\"0.1.0\",\"uptimeMs\":42,\"docker\":\"off\",\"store\":\"ok\"}");
    }

    @Test
    void valuesAreEscapedAsJsonStrings() {
        String odd = "a\"b\\c\nd\u0001";
        JsonObject parsed = new JsonObject(new HealthAnswer(odd, 7, odd, "disk_full").json());
        assertThat(parsed.getString("version")).isEqualTo(odd);
        assertThat(parsed.getString("docker")).isEqualTo(odd);
        assertThat(parsed.getLong("uptimeMs")).isEqualTo(7L);
        assertThat(parsed.getString("store")).isEqualTo("disk_full");
        assertThat(parsed.getString("status")).isEqualTo("ok");
    }
}
