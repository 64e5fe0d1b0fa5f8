package dev.sandboxagent.dist;

import dev.sandboxagent.agents.claude.ClaudeAdapter;
import dev.sandboxagent.agents.install.Installation;
import dev.sandboxagent.agents.testing.RealAgents;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assertions;

/**
 * The stand-in for {@code docker/sandbox-templates:claude-code} (no registry is reachable here): a Debian rootfs
 * from debootstrap (standin/rootfs.sh) imported into the outer engine, Debian's packages of what the base has
 * (standin/packages.Dockerfile), and the agent user with
 * passwordless sudo and Claude Code at ~/.local/bin/claude (standin/Dockerfile). Claude Code is installed on the
 * host by the project's own installer and copied in, so no npm runs in the container for it.
 *
 * <p>Debian with its packages takes minutes to make, so that image is saved in
 * {@code ~/.cache/sandbox-agent-test/standin}, named by a hash of its recipe (rootfs.sh, packages.Dockerfile):
 * changing either makes a new one.
 */
final class StandInBase {
    private StandInBase() {
    }

    /** Builds the stand-in in {@code docker} and returns its image name. */
    static String build(OuterDocker docker, Path workDir) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        digest.update(resource("rootfs.sh"));
        digest.update(resource("packages.Dockerfile"));
        String key = HexFormat.of().formatHex(digest.digest()).substring(0, 16);
        Path cache = Files.createDirectories(Path.of(System.getProperty("user.home"), ".cache",
                "sandbox-agent-test", "standin"));
        Path saved = cache.resolve("packages-" + key + ".tar");
        String packagesImage = "sandbox-agent-test/standin-packages:" + key;
        if (Files.exists(saved)) {
            TemplateIT.log("stand-in base packages from the cache: " + saved);
            docker.ok(600, "load", "-q", "-i", saved.toString());
        } else {
            TemplateIT.log("making the stand-in base: debootstrap, then apt-get (cached as " + saved + ")");
            Path rootfsTar = makeRootfs(resource("rootfs.sh"), workDir);
            String rootfsImage = "sandbox-agent-test/standin-rootfs:" + key;
            docker.ok(600, "import", rootfsTar.toString(), rootfsImage);
            Files.delete(rootfsTar);
            Path context = Files.createDirectories(workDir.resolve("packages"));
            Files.write(context.resolve("Dockerfile"), resource("packages.Dockerfile"));
            docker.ok(1800, "build", "-q", "--network", "host", "--build-arg", "ROOTFS_IMAGE=" + rootfsImage,
                    "-t", packagesImage, context.toString());
            Path partial = saved.resolveSibling(saved.getFileName() + ".partial-" + ProcessHandle.current().pid());
            docker.ok(600, "save", "-o", partial.toString(), packagesImage);
            Files.move(partial, saved, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }

        Path context = Files.createDirectories(workDir.resolve("standin"));
        Files.write(context.resolve("Dockerfile"), resource("Dockerfile"));
        // The host's extra CA for npm's TLS, if it names one (docs/docker-on-this-machine.md): the stand-in only.
        String ca = System.getenv("NODE_EXTRA_CA_CERTS");
        if (ca != null && Files.isRegularFile(Path.of(ca))) {
            Files.copy(Path.of(ca), context.resolve("extra-ca.crt"));
        } else {
            Files.copy(Path.of("/etc/ssl/certs/ca-certificates.crt"), context.resolve("extra-ca.crt"));
        }
        Installation claude = RealAgents.require(ClaudeAdapter.ID, ClaudeAdapter.PACKAGE);
        Path claudeHome = RealAgents.agentsDir().resolve(ClaudeAdapter.ID);
        TemplateIT.log("Claude Code " + claude.version() + " from " + claudeHome);
        Shell.Result copy = Shell.run(Map.of("PATH", "/usr/bin:/bin"), 300,
                List.of("cp", "-a", claudeHome.toString(), context.resolve("claude").toString()));
        Assertions.assertEquals(0, copy.exitCode(), copy::toString);

        String image = "sandbox-agent-test/standin-base:" + key;
        docker.ok(900, "build", "-q", "--network", "host", "--build-arg", "PACKAGES_IMAGE=" + packagesImage,
                "-t", image, context.toString());
        Shell.deleteQuietly(context);
        return image;
    }

    /** debootstrap into a directory, then a tarball of it for docker import. */
    private static Path makeRootfs(byte[] recipe, Path workDir) throws Exception {
        Path rootfs = workDir.resolve("rootfs");
        Path script = workDir.resolve("rootfs.sh");
        Files.write(script, recipe);
        Shell.Result made = Shell.run(Map.of("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
                1800, List.of("sh", script.toString(), rootfs.toString(), mirror()));
        Assertions.assertEquals(0, made.exitCode(), () -> "debootstrap failed: " + made);
        Path tarball = workDir.resolve("rootfs.tar");
        Shell.Result tar = Shell.run(Map.of("PATH", "/usr/bin:/bin"), 600,
                List.of("tar", "-C", rootfs.toString(), "-cf", tarball.toString(), "."));
        Assertions.assertEquals(0, tar.exitCode(), tar::toString);
        Shell.deleteQuietly(rootfs);
        return tarball;
    }

    /** The machine's configured Debian mirror (docs/docker-on-this-machine.md), else the default one. */
    private static String mirror() throws IOException {
        Path sources = Path.of("/etc/apt/sources.list.d/debian.sources");
        if (Files.isRegularFile(sources)) {
            for (String line : Files.readAllLines(sources)) {
                if (line.startsWith("URIs: ")) {
                    return line.substring("URIs: ".length()).strip().split("\\s+")[0];
                }
            }
        }
        return "http://deb.debian.org/debian";
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = StandInBase.class.getResourceAsStream("/standin/" + name)) {
            Assertions.assertNotNull(in, "test resource standin/" + name);
            return in.readAllBytes();
        }
    }
}
