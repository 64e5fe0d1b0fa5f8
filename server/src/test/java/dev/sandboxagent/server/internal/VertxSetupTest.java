package dev.sandboxagent.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.server.ServerConfig;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.RunningServer;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.DefaultAddressResolverGroup;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.vertx.core.internal.VertxInternal;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server starts Vert.x without what it does not use and what costs every start: Netty's DNS resolver (it
 * resolves no names) and class-path file resolving with its cache directory in the temp dir (it serves no files).
 * An operator who sets {@code vertx.disableDnsResolver} still decides.
 */
class VertxSetupTest {
    @TempDir
    Path dataDir;

    @Test
    void theServerStartsWithTheJdksResolverAndStillAnswers() {
        String before = System.clearProperty(ServerRuntime.DISABLE_DNS_RESOLVER);
        try (ServerRuntime server = start()) {
            assertThat(resolverOf(server)).isSameAs(DefaultAddressResolverGroup.INSTANCE);
            assertThat(new Api("http://127.0.0.1:" + server.port(), null).get("/v1/health").status())
                    .isEqualTo(200);
        } finally {
            restore(before);
        }
    }

    @Test
    void vertxServesNoFileFromTheClassPathSoItNeedsNoCacheDirectory() {
        try (ServerRuntime server = start()) {
            // with class-path resolving on, Vert.x would copy this resource into its cache directory and answer that
            java.io.File resolved = ((VertxInternal) server.vertx()).fileResolver()
                    .resolve("dev/sandboxagent/server/openapi.json");
            assertThat(resolved).doesNotExist();
        }
    }

    @Test
    void theOperatorsSettingWins() {
        String before = System.setProperty(ServerRuntime.DISABLE_DNS_RESOLVER, "false");
        try (ServerRuntime server = start()) {
            assertThat(resolverOf(server)).isInstanceOf(DnsAddressResolverGroup.class);
        } finally {
            restore(before);
        }
    }

    private ServerRuntime start() {
        return ServerRuntime.start(RunningServer.withTestLimits(
                new ServerConfig("127.0.0.1", 0, null, dataDir, 1024 * 1024, Map.of())));
    }

    private static AddressResolverGroup<?> resolverOf(ServerRuntime server) {
        return ((VertxInternal) server.vertx()).nameResolver().nettyAddressResolverGroup();
    }

    private static void restore(String value) {
        if (value == null) {
            System.clearProperty(ServerRuntime.DISABLE_DNS_RESOLVER);
        } else {
            System.setProperty(ServerRuntime.DISABLE_DNS_RESOLVER, value);
        }
    }
}
