package dev.sandboxagent.bench.sidebyside;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The mock's stamp in a delta's text, read as the latency scenario reads it. */
class OurStreamTest {
    @Test
    void aStampedDeltaGivesItsMicrosecondsSinceTheEpoch() {
        assertThat(OurStream.agentStampMicros("12@1796269655.364514 ")).isEqualTo(1_796_269_655_364_514L);
        assertThat(OurStream.agentStampMicros("1@1796269655.000007 ")).isEqualTo(1_796_269_655_000_007L);
    }

    @Test
    void aDeltaWithoutAWholeStampGivesMinusOne() {
        assertThat(OurStream.agentStampMicros("12 ")).isEqualTo(-1);
        assertThat(OurStream.agentStampMicros("12@1796269655.36 ")).isEqualTo(-1);
        assertThat(OurStream.agentStampMicros("12@17962x9655.364514 ")).isEqualTo(-1);
        assertThat(OurStream.agentStampMicros(null)).isEqualTo(-1);
    }
}
