package dev.sandboxagent.agents.install;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Installs agent CLIs from npm into {@code <agentsDir>/<agent>/} and finds them again. Each install goes into a
 * fresh staging directory that replaces the old one only when npm succeeded, so a failed or interrupted install
 * never leaves a half-installed agent behind; a file lock per agent keeps concurrent installs (two servers, two
 * CLI runs) from racing. Asking for the version that is already there does nothing.
 */
public final class AgentInstaller {
    /**
     * Made on first use, not when the class loads: every server start builds the agent catalog, and a mapper
     * there would load Jackson databind before the first request (docs/benchmarks.md "Idle classes").
     */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }
    private static final Pattern VERSION = Pattern.compile("[0-9A-Za-z][0-9A-Za-z.+-]{0,63}");
    private static final Pattern AGENT_ID = Pattern.compile("[a-z][a-z0-9-]{0,31}");
    /** Long enough for a slow registry to deliver a CLI of a few hundred MB; a hung npm is killed after it. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

    private final Path agentsDir;
    private final Map<String, String> environment;
    private final Duration timeout;

    /** With the {@link #DEFAULT_TIMEOUT}. */
    public AgentInstaller(Path agentsDir, Map<String, String> environment) {
        this(agentsDir, environment, DEFAULT_TIMEOUT);
    }

    /**
     * @param environment the environment npm runs with (PATH, HOME, npm_config_* and proxy settings); it is the
     *                    server's, never a request's credentials
     * @param timeout     how long npm may run; then it and every process it started are killed and the install
     *                    fails with {@link InstallException.Reason#TIMED_OUT}
     */
    public AgentInstaller(Path agentsDir, Map<String, String> environment, Duration timeout) {
        this.agentsDir = Objects.requireNonNull(agentsDir, "agentsDir");
        this.environment = Map.copyOf(environment);
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the npm timeout must be positive");
        }
        this.timeout = timeout;
    }

    public Path agentsDir() {
        return agentsDir;
    }

    /** The copy in our agents directory, if there is one. */
    public Optional<Installation> findManaged(String agentId, NpmPackage pkg) {
        Path home = agentsDir.resolve(agentId);
        Path executable = home.resolve("node_modules").resolve(".bin").resolve(pkg.binary());
        if (!Files.isExecutable(executable)) {
            return Optional.empty();
        }
        return Optional.of(new Installation(executable, installedVersion(home, pkg), true));
    }

    /** Our copy if there is one, else the command on the server's PATH (version unknown: not run to ask). */
    public Optional<Installation> find(String agentId, NpmPackage pkg) {
        Optional<Installation> managed = findManaged(agentId, pkg);
        if (managed.isPresent()) {
            return managed;
        }
        String path = environment.getOrDefault("PATH", "");
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir).resolve(pkg.binary());
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(new Installation(candidate, null, false));
            }
        }
        return Optional.empty();
    }

    /**
     * Installs {@code version} (null: the package's default) unless it is installed already.
     *
     * @param force    install even if that version is there (a damaged install)
     * @param progress gets npm's output, line by line, as it comes
     * @return the installation, and whether anything was done
     */
    public Result install(String agentId, NpmPackage pkg, String version, boolean force,
                          Consumer<String> progress) throws InstallException {
        if (!AGENT_ID.matcher(agentId).matches()) {
            throw new IllegalArgumentException("bad agent id " + agentId);
        }
        String wanted = version == null ? pkg.defaultVersion() : version;
        if (!VERSION.matcher(wanted).matches()) {
            throw new InstallException(InstallException.Reason.NO_SUCH_VERSION,
                    "'" + wanted + "' is not a version (expected something like " + pkg.defaultVersion() + ")", null);
        }
        try {
            Files.createDirectories(agentsDir);
            try (FileChannel lockFile = FileChannel.open(agentsDir.resolve(agentId + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock lock = lockFile.lock()) {
                Optional<Installation> present = findManaged(agentId, pkg);
                if (!force && present.isPresent() && wanted.equals(present.get().version())) {
                    progress.accept(pkg.name() + "@" + wanted + " is already installed in "
                            + agentsDir.resolve(agentId));
                    return new Result(present.get(), false);
                }
                return new Result(runNpm(agentId, pkg, wanted, progress), true);
            }
        } catch (IOException e) {
            throw new InstallException(InstallException.Reason.FAILED,
                    "cannot install " + agentId + " into " + agentsDir + ": " + e.getMessage(), e);
        }
    }

    /** What {@link #install} did. */
    public record Result(Installation installation, boolean changed) {
    }

    private Installation runNpm(String agentId, NpmPackage pkg, String version, Consumer<String> progress)
            throws IOException, InstallException {
        Path target = agentsDir.resolve(agentId);
        Path staging = Files.createTempDirectory(agentsDir, agentId + ".installing-");
        try {
            List<String> command = List.of(npm(), "install", "--prefix", staging.toString(), "--no-audit",
                    "--no-fund", "--no-update-notifier", "--no-save", "--loglevel", "http",
                    pkg.name() + "@" + version);
            progress.accept("installing " + pkg.name() + "@" + version + " into " + target);
            List<String> output = new ArrayList<>();
            int code = run(command, staging, line -> {
                if (output.size() < 200) {
                    output.add(line);
                }
                progress.accept(line);
            });
            if (code != 0) {
                throw failure(pkg, version, code, output);
            }
            Path executable = staging.resolve("node_modules").resolve(".bin").resolve(pkg.binary());
            if (!Files.isExecutable(executable)) {
                throw new InstallException(InstallException.Reason.FAILED, "npm installed " + pkg.name() + "@"
                        + version + " but it has no '" + pkg.binary() + "' command", null);
            }
            Path old = null;
            if (Files.exists(target)) {
                old = Files.createTempDirectory(agentsDir, agentId + ".old-");
                Files.move(target, old.resolve("previous"), StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            if (old != null) {
                deleteTree(old);
            }
            Installation installed = findManaged(agentId, pkg)
                    .orElseThrow(() -> new IOException("the installed " + agentId + " is not where it was put"));
            progress.accept("installed " + pkg.name() + "@" + installed.version() + " at " + installed.executable());
            return installed;
        } finally {
            if (Files.exists(staging)) {
                deleteTree(staging);
            }
        }
    }

    private int run(List<String> command, Path directory, Consumer<String> lines) throws InstallException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.clear();
        env.putAll(npmEnvironment());
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new InstallException(InstallException.Reason.NPM_MISSING,
                    "npm is needed to install agents and could not be run: " + e.getMessage(), e);
        }
        // npm's output is read on a thread of its own: a hung npm never reaches EOF, and the wait below must be
        // able to give up on it. The reader ends when the killed tree's pipe closes.
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    lines.accept(line);
                }
            } catch (IOException e) {
                // the pipe closed under us (npm killed): what was read is all there is
            }
        }, "npm-output-" + process.pid());
        reader.setDaemon(true);
        try {
            process.getOutputStream().close();
            reader.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                killTree(process);
                throw new InstallException(InstallException.Reason.TIMED_OUT, "npm did not finish within "
                        + describe(timeout) + " and was stopped (process " + process.pid() + " and its children);"
                        + " check the network or npm_config_registry, or allow more time", null);
            }
            // A child that kept the pipe open (a stray postinstall) must not hang us after npm itself exited.
            reader.join(TimeUnit.SECONDS.toMillis(10));
            if (reader.isAlive()) {
                killTree(process);
                reader.join(TimeUnit.SECONDS.toMillis(5));
            }
            return process.exitValue();
        } catch (IOException e) {
            killTree(process);
            throw new InstallException(InstallException.Reason.FAILED, "starting npm failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            killTree(process);
            throw new InstallException(InstallException.Reason.FAILED, "interrupted while npm was installing", e);
        }
    }

    /** Children first, by PID, so that none is left to be adopted by init and run on. */
    private static void killTree(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String describe(Duration d) {
        return d.toSeconds() >= 60 && d.toSecondsPart() == 0 ? d.toMinutes() + " minute(s)"
                : d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /** npm needs PATH, HOME and its own settings; API keys are no business of npm's. */
    private Map<String, String> npmEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        environment.forEach((key, value) -> {
            String k = key.toUpperCase(java.util.Locale.ROOT);
            if (k.equals("PATH") || k.equals("HOME") || k.startsWith("NPM_CONFIG_") || k.endsWith("_PROXY")
                    || k.equals("NODE_EXTRA_CA_CERTS") || k.startsWith("SSL_CERT_") || k.equals("TMPDIR")
                    || k.startsWith("LC_")
                    || k.equals("LANG")) {
                env.put(key, value);
            }
        });
        env.putIfAbsent("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.putIfAbsent("HOME", System.getProperty("user.home"));
        return env;
    }

    private static InstallException failure(NpmPackage pkg, String version, int code, List<String> output) {
        String all = String.join("\n", output);
        String last = output.stream().filter(l -> l.startsWith("npm error")).limit(6)
                .reduce((a, b) -> a + "\n" + b).orElse(output.isEmpty() ? "" : output.get(output.size() - 1));
        if (all.contains("ENOTFOUND") || all.contains("ECONNREFUSED") || all.contains("ETIMEDOUT")
                || all.contains("EAI_AGAIN") || all.contains("ECONNRESET") || all.contains("ENETUNREACH")) {
            return new InstallException(InstallException.Reason.REGISTRY_UNREACHABLE,
                    "the npm registry cannot be reached, so " + pkg.name() + "@" + version + " cannot be installed"
                            + " (check the network or npm_config_registry): " + last, null);
        }
        if (all.contains("SELF_SIGNED_CERT") || all.contains("UNABLE_TO_GET_ISSUER_CERT")
                || all.contains("UNABLE_TO_VERIFY_LEAF_SIGNATURE") || all.contains("CERT_HAS_EXPIRED")) {
            return new InstallException(InstallException.Reason.REGISTRY_UNREACHABLE,
                    "the npm registry's TLS certificate is not trusted, so " + pkg.name() + "@" + version
                            + " cannot be installed (behind an intercepting proxy, give the server its CA with "
                            + "NODE_EXTRA_CA_CERTS): " + last, null);
        }
        if (all.contains("ETARGET") || all.contains("E404")) {
            return new InstallException(InstallException.Reason.NO_SUCH_VERSION,
                    pkg.name() + "@" + version + " does not exist on the npm registry: " + last, null);
        }
        return new InstallException(InstallException.Reason.FAILED,
                "npm install of " + pkg.name() + "@" + version + " failed with exit code " + code + ": " + last, null);
    }

    private static String installedVersion(Path home, NpmPackage pkg) {
        Path manifest = home.resolve("node_modules").resolve(pkg.name()).resolve("package.json");
        try {
            JsonNode version = Json.MAPPER.readTree(manifest.toFile()).get("version");
            return version == null ? null : version.asText();
        } catch (IOException e) {
            return null;
        }
    }

    private String npm() {
        String path = environment.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "npm"))) {
                return Path.of(dir, "npm").toString();
            }
        }
        return "npm";
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
