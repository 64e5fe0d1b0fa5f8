package dev.sandboxagent.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The guard's text checks, including the shortcuts for the common case (no dot in the path, a plain Host). */
class EdgeGuardNamesTest {
    @Test
    void dotSegmentsAreFoundEncodedOrNotAndDotsInsideANameAreNot() {
        assertThat(EdgeGuard.hasDotSegment("/v1/sessions/seq/messages")).isFalse();
        assertThat(EdgeGuard.hasDotSegment("/v1/sessions/a.b/messages")).isFalse();
        assertThat(EdgeGuard.hasDotSegment("/v1/sessions/a%2eb")).isFalse();
        assertThat(EdgeGuard.hasDotSegment("/v1/sessions/../x")).isTrue();
        assertThat(EdgeGuard.hasDotSegment("/v1/./sessions")).isTrue();
        assertThat(EdgeGuard.hasDotSegment("/v1/sessions/%2e%2E")).isTrue();
        assertThat(EdgeGuard.hasDotSegment("/v1/sessions/%2e")).isTrue();
        assertThat(EdgeGuard.hasDotSegment("/v1/sessions/..")).isTrue();
        assertThat(EdgeGuard.hasDotSegment(null)).isFalse();
    }

    @Test
    void loopbackNamesWithAndWithoutTheShortcut() {
        for (String loopback : new String[] {"127.0.0.1", "localhost", "LocalHost", "localhost.", "a.localhost",
                "127.1.2.3", "::1", "[::1]", "0:0:0:0:0:0:0:1", " 127.0.0.1 "}) {
            assertThat(EdgeGuard.isLoopbackName(loopback)).as(loopback).isTrue();
        }
        for (String other : new String[] {"127.0.0.1.example.com", "localhost.example.com", "128.0.0.1",
                "example.com", "1270.0.0.1", ""}) {
            assertThat(EdgeGuard.isLoopbackName(other)).as(other).isFalse();
        }
    }
}
