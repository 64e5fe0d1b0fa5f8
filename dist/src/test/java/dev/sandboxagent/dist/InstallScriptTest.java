package dev.sandboxagent.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * dist/install.sh against small stand-in tarballs of the distribution's shape (a top directory with
 * bin/sandbox-agent), so each case runs in well under a second: checksum, idempotence, replacement, URLs.
 */
class InstallScriptTest {
    private static final Path SCRIPT = Path.of("install.sh").toAbsolutePath(); // the module's directory

    private Path dir;
    private Path prefix;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("sa-install-");
        prefix = dir.resolve("prefix");
    }

    @AfterEach
    void tearDown() {
        Shell.deleteQuietly(dir);
    }

    /** A tarball whose launcher prints {@code says}, with its .sha256 next to it (the format sha256sum writes). */
    private Path tarball(String name, String says) throws Exception {
        Path build = Files.createDirectories(dir.resolve("build-" + says));
        Path bin = Files.createDirectories(build.resolve(name).resolve("bin"));
        Path launcher = bin.resolve("sandbox-agent");
        Files.writeString(launcher, "#!/bin/sh\necho " + says + "\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path tarball = Files.createDirectories(dir.resolve("out-" + says)).resolve(name + ".tar.gz");
        Shell.Result tar = Shell.run(env(), 30, List.of("tar", "-C", build.toString(), "-czf", tarball.toString(), name));
        assertThat(tar.exitCode()).as(tar.toString()).isZero();
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(tarball)));
        Files.writeString(Path.of(tarball + ".sha256"), sha + "  " + tarball.getFileName() + "\n");
        return tarball;
    }

    private static Map<String, String> env() {
        return Map.of("PATH", "/usr/bin:/bin");
    }

    private Shell.Result install(String source) {
        return Shell.run(env(), 60, List.of("sh", SCRIPT.toString(), "--prefix", prefix.toString(), source));
    }

    private String runInstalled() {
        Shell.Result r = Shell.run(env(), 30, List.of(prefix.resolve("bin/sandbox-agent").toString()));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r.stdout().strip();
    }

    @Test
    void installsIntoThePrefixAndASecondRunChangesNothing() throws Exception {
        Path tarball = tarball("sandbox-agent-1.0-linux-x64", "one");

        Shell.Result first = install(tarball.toString());
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(first.stdout()).contains("checksum ok", "installed sandbox-agent-1.0-linux-x64 in "
                + prefix.toRealPath().resolve("lib/sandbox-agent"));
        assertThat(Files.readSymbolicLink(prefix.resolve("bin/sandbox-agent")))
                .isEqualTo(prefix.toRealPath().resolve("lib/sandbox-agent/bin/sandbox-agent"));
        assertThat(runInstalled()).isEqualTo("one");

        Path marker = prefix.resolve("lib/sandbox-agent/bin/marker");
        Files.writeString(marker, "left alone");
        Shell.Result second = install(tarball.toString());
        assertThat(second.exitCode()).as(second.toString()).isZero();
        assertThat(second.stdout()).contains("already installed", "nothing changed");
        assertThat(marker).as("an unchanged install is not unpacked again").exists();
        assertThat(Files.list(prefix.resolve("lib")).map(p -> p.getFileName().toString()).toList())
                .as("no staging directory is left behind").containsExactly("sandbox-agent");
    }

    @Test
    void anotherTarballReplacesTheInstalledOne() throws Exception {
        assertThat(install(tarball("sandbox-agent-1.0-linux-x64", "one").toString()).exitCode()).isZero();
        Shell.Result upgrade = install(tarball("sandbox-agent-2.0-linux-x64", "two").toString());
        assertThat(upgrade.exitCode()).as(upgrade.toString()).isZero();
        assertThat(upgrade.stdout()).contains("replaced sandbox-agent-1.0-linux-x64 with sandbox-agent-2.0-linux-x64");
        assertThat(runInstalled()).isEqualTo("two");
        assertThat(Files.list(prefix.resolve("lib")).map(p -> p.getFileName().toString()).toList())
                .containsExactly("sandbox-agent");
    }

    @Test
    void aTarballThatDoesNotMatchItsChecksumIsRefusedAndNothingIsInstalled() throws Exception {
        Path tarball = tarball("sandbox-agent-1.0-linux-x64", "one");
        Files.writeString(Path.of(tarball + ".sha256"), "0".repeat(64) + "  " + tarball.getFileName() + "\n");
        Shell.Result r = install(tarball.toString());
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.stderr()).contains("checksum mismatch");
        assertThat(prefix.resolve("lib/sandbox-agent")).doesNotExist();
        assertThat(prefix.resolve("bin/sandbox-agent")).doesNotExist();
    }

    @Test
    void aTarballWithoutAChecksumFileIsRefused() throws Exception {
        Path tarball = tarball("sandbox-agent-1.0-linux-x64", "one");
        Files.delete(Path.of(tarball + ".sha256"));
        Shell.Result r = install(tarball.toString());
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.stderr()).contains("no checksum file");
        assertThat(prefix.resolve("lib/sandbox-agent")).doesNotExist();
    }

    @Test
    void aUrlIsDownloadedWithTheChecksumNextToIt() throws Exception {
        Path tarball = tarball("sandbox-agent-3.0-linux-x64", "three");
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", exchange -> {
            Path file = tarball.getParent().resolve(Path.of(exchange.getRequestURI().getPath()).getFileName());
            if (Files.isRegularFile(file)) {
                byte[] body = Files.readAllBytes(file);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            } else {
                exchange.sendResponseHeaders(404, -1);
            }
            exchange.close();
        });
        http.start();
        try {
            String url = "http://127.0.0.1:" + http.getAddress().getPort() + "/releases/" + tarball.getFileName();
            Shell.Result r = install(url);
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.stdout()).contains("downloading " + url, "checksum ok", "installed sandbox-agent-3.0");
            assertThat(runInstalled()).isEqualTo("three");

            Files.delete(Path.of(tarball + ".sha256"));
            Shell.deleteQuietly(prefix);
            Shell.Result noSum = install(url);
            assertThat(noSum.exitCode()).isNotZero();
            assertThat(noSum.stderr()).contains("could not download " + url + ".sha256");
        } finally {
            http.stop(0);
        }
    }
}
