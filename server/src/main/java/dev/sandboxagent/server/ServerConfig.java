package dev.sandboxagent.server;

import dev.sandboxagent.agents.AgentCatalog;
import dev.sandboxagent.server.docker.DockerSettings;
import dev.sandboxagent.server.http.WebOrigin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;

/**
 * Everything the server needs to start, resolved once: flags over environment ({@code SANDBOX_AGENT_*}) over
 * defaults. Nothing else in the server reads the environment for configuration.
 *
 * @param token the bearer token clients must send, or null when auth is off ({@code --no-token})
 * @param agentEnvironment the environment agents inherit (credentials included); never logged or stored. It also
 *                         carries the settings embedders and tests pass that way: SANDBOX_AGENT_AGENTS_DIR and the
 *                         agents' executables ({@link #agentExecutables()}), checked here
 * @param docker how to get a Docker engine ({@code --docker auto|on|off}); off unless asked for, so that embedding the
 *               server (or a test) never starts an engine by surprise; {@link #resolve} defaults it to auto
 * @param warmConfig a JSON file declaring warm processes ({@code --warm-config}), or null
 * @param corsOrigins the browser origins allowed to call this server ({@code --cors-origin}), normalised as
 *                    {@code scheme://host[:port]}; empty (the default) refuses every request that carries an
 *                    {@code Origin} header, so no web page can drive the server
 * @param agentsDir where install-agent puts agent CLIs; null means SANDBOX_AGENT_AGENTS_DIR from
 *                  {@code agentEnvironment}, else {@code <data dir>/agents}. A template can bake agents into its
 *                  image this way while the data dir is a mounted volume
 * @param limits worker pools and time limits; null means {@link Limits#DEFAULTS}
 */
public record ServerConfig(String host, int port, String token, Path dataDir, long maxBodyBytes,
                           Map<String, String> agentEnvironment, java.time.Duration heartbeat,
                           DockerSettings docker, Path warmConfig, java.util.List<String> corsOrigins,
                           Path agentsDir, Limits limits) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 2468;
    public static final String TOKEN_FILE = "token";

    /** Idle SSE streams get a comment this often, so proxies do not drop them (docs/api.md, SSE). */
    public static final java.time.Duration DEFAULT_HEARTBEAT = java.time.Duration.ofSeconds(15);

    public ServerConfig(String host, int port, String token, Path dataDir, long maxBodyBytes,
                        Map<String, String> agentEnvironment) {
        this(host, port, token, dataDir, maxBodyBytes, agentEnvironment, DEFAULT_HEARTBEAT);
    }

    public ServerConfig(String host, int port, String token, Path dataDir, long maxBodyBytes,
                        Map<String, String> agentEnvironment, java.time.Duration heartbeat) {
        this(host, port, token, dataDir, maxBodyBytes, agentEnvironment, heartbeat, DockerSettings.off(), null);
    }

    public ServerConfig(String host, int port, String token, Path dataDir, long maxBodyBytes,
                        Map<String, String> agentEnvironment, java.time.Duration heartbeat,
                        DockerSettings docker, Path warmConfig) {
        this(host, port, token, dataDir, maxBodyBytes, agentEnvironment, heartbeat, docker, warmConfig,
                java.util.List.of(), null, null);
    }

    public ServerConfig withHeartbeat(java.time.Duration every) {
        return new ServerConfig(host, port, token, dataDir, maxBodyBytes, agentEnvironment, every, docker,
                warmConfig, corsOrigins, agentsDir, limits);
    }

    public ServerConfig withDocker(DockerSettings settings) {
        return new ServerConfig(host, port, token, dataDir, maxBodyBytes, agentEnvironment, heartbeat, settings,
                warmConfig, corsOrigins, agentsDir, limits);
    }

    public ServerConfig withWarmConfig(Path file) {
        return new ServerConfig(host, port, token, dataDir, maxBodyBytes, agentEnvironment, heartbeat, docker, file,
                corsOrigins, agentsDir, limits);
    }

    /** @param origins browser origins allowed to call the server; each is checked and normalised */
    public ServerConfig withCorsOrigins(java.util.List<String> origins) {
        return new ServerConfig(host, port, token, dataDir, maxBodyBytes, agentEnvironment, heartbeat, docker,
                warmConfig, origins, agentsDir, limits);
    }

    /** @param dir where install-agent puts agent CLIs; null for {@code <data dir>/agents} */
    public ServerConfig withAgentsDir(Path dir) {
        return new ServerConfig(host, port, token, dataDir, maxBodyBytes, agentEnvironment, heartbeat, docker,
                warmConfig, corsOrigins, dir, limits);
    }

    public ServerConfig withLimits(Limits other) {
        return new ServerConfig(host, port, token, dataDir, maxBodyBytes, agentEnvironment, heartbeat, docker,
                warmConfig, corsOrigins, agentsDir, other);
    }

    /**
     * Threads and time limits, each with a default: change one with its {@code with} method.
     *
     * @param blockingThreads   the pool that runs route work that may block (store, disk, short process calls), so
     *                          that no event loop waits on it
     * @param agentStartThreads the pool that starts agents (create, resume: up to a minute each), apart, so that
     *                          slow starts never queue the short calls behind them
     * @param eventLoopWarning  Vert.x warns (logger {@code io.vertx.core.impl.BlockedThreadChecker}) when one task
     *                          holds an event loop longer than this; the tests run with a low value and fail on it
     * @param installTimeout    an npm install of an agent that takes longer is killed and reported as failed
     */
    public record Limits(int blockingThreads, int agentStartThreads, java.time.Duration eventLoopWarning,
                         java.time.Duration installTimeout) {
        public static final Limits DEFAULTS = new Limits(16, 8, java.time.Duration.ofSeconds(2),
                java.time.Duration.ofMinutes(5));

        public Limits {
            if (blockingThreads < 1 || agentStartThreads < 1) {
                throw new IllegalArgumentException("worker pools need at least one thread");
            }
            positive(eventLoopWarning, "eventLoopWarning");
            positive(installTimeout, "installTimeout");
        }

        public Limits withBlockingThreads(int threads) {
            return new Limits(threads, agentStartThreads, eventLoopWarning, installTimeout);
        }

        public Limits withAgentStartThreads(int threads) {
            return new Limits(blockingThreads, threads, eventLoopWarning, installTimeout);
        }

        public Limits withEventLoopWarning(java.time.Duration after) {
            return new Limits(blockingThreads, agentStartThreads, after, installTimeout);
        }

        public Limits withInstallTimeout(java.time.Duration timeout) {
            return new Limits(blockingThreads, agentStartThreads, eventLoopWarning, timeout);
        }

        private static void positive(java.time.Duration value, String name) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive");
            }
        }
    }

    public ServerConfig {
        agentEnvironment = Map.copyOf(agentEnvironment);
        agentExecutables(agentEnvironment); // a wrong path is a start-up error, not an agent that is "not installed"
        corsOrigins = corsOrigins == null ? java.util.List.of()
                : corsOrigins.stream().map(o -> WebOrigin.parse(o, "--cors-origin")).distinct().toList();
        docker = docker == null ? DockerSettings.off() : docker;
        agentsDir = agentsDir != null ? agentsDir.toAbsolutePath() : defaultAgentsDir(agentEnvironment, dataDir);
        limits = limits == null ? Limits.DEFAULTS : limits;
        if (heartbeat == null || heartbeat.isNegative() || heartbeat.isZero()) {
            throw new IllegalArgumentException("heartbeat must be positive");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
    }

    /**
     * SANDBOX_AGENT_AGENTS_DIR from the given environment (embedders and tests pass it that way too), else
     * {@code <data dir>/agents}.
     */
    private static Path defaultAgentsDir(Map<String, String> env, Path dataDir) {
        String configured = blankToNull(env.get("SANDBOX_AGENT_AGENTS_DIR"));
        return configured != null ? Path.of(configured).toAbsolutePath()
                : dataDir == null ? null : dataDir.resolve("agents");
    }

    /**
     * The executable the operator chose for an agent, by agent id: SANDBOX_AGENT_CLAUDE_PATH, SANDBOX_AGENT_CODEX_PATH,
     * SANDBOX_AGENT_OPENCODE_PATH, SANDBOX_AGENT_GEMINI_PATH, SANDBOX_AGENT_PI_PATH from {@code agentEnvironment}
     * (a template's own build, a test's wrapper); run as is instead of the managed install or PATH.
     */
    public Map<String, Path> agentExecutables() {
        return agentExecutables(agentEnvironment);
    }

    /** @throws IllegalArgumentException when a variable names a file that is not there or not executable */
    private static Map<String, Path> agentExecutables(Map<String, String> env) {
        Map<String, Path> chosen = new java.util.LinkedHashMap<>();
        AgentCatalog.executableVariables().forEach((agent, variable) -> {
            String value = blankToNull(env.get(variable));
            if (value == null) {
                return;
            }
            Path path = Path.of(value.strip()).toAbsolutePath();
            if (!Files.exists(path)) {
                throw new IllegalArgumentException(variable + " names " + path + ", which does not exist");
            }
            if (Files.isDirectory(path) || !Files.isExecutable(path)) {
                throw new IllegalArgumentException(variable + " names " + path + ", which is not an executable file");
            }
            chosen.put(agent, path);
        });
        return java.util.Collections.unmodifiableMap(chosen);
    }

    /** The data directory: {@code --data-dir}, else SANDBOX_AGENT_DATA_DIR, else ~/.sandbox-agent. */
    public static Path resolveDataDir(Path flag, Map<String, String> env) {
        if (flag != null) {
            return flag.toAbsolutePath();
        }
        String fromEnv = env.get("SANDBOX_AGENT_DATA_DIR");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Path.of(fromEnv).toAbsolutePath();
        }
        return Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".sandbox-agent");
    }

    /**
     * Resolves the configuration. Nullable arguments mean "not given on the command line".
     *
     * @param noToken true for {@code --no-token}: auth off
     */
    public static ServerConfig resolve(String host, Integer port, String token, boolean noToken, Path dataDir,
                                       Map<String, String> env) throws IOException {
        return resolve(host, port, token, noToken, dataDir, null, null, env);
    }

    /**
     * As above, plus the Docker engine and warm processes.
     *
     * @param docker {@code auto|on|off} from {@code --docker}, else SANDBOX_AGENT_DOCKER, else auto. The engine's
     *               socket, dockerd and data root come from SANDBOX_AGENT_DOCKER_SOCKET, SANDBOX_AGENT_DOCKERD and
     *               SANDBOX_AGENT_DOCKER_DATA_ROOT when set; extra dockerd flags from SANDBOX_AGENT_DOCKER_FLAGS
     *               (whitespace-separated)
     * @param warmConfig from {@code --warm-config}, else SANDBOX_AGENT_WARM_CONFIG, else none
     */
    public static ServerConfig resolve(String host, Integer port, String token, boolean noToken, Path dataDir,
                                       String docker, Path warmConfig, Map<String, String> env) throws IOException {
        return resolve(host, port, token, noToken, dataDir, docker, warmConfig, null, env);
    }

    /**
     * As above, plus the browser origins allowed to call the server.
     *
     * @param corsOrigins from {@code --cors-origin} (repeatable); null or empty means not given, then
     *                    SANDBOX_AGENT_CORS_ORIGINS (comma-separated), else none
     */
    public static ServerConfig resolve(String host, Integer port, String token, boolean noToken, Path dataDir,
                                       String docker, Path warmConfig, java.util.List<String> corsOrigins,
                                       Map<String, String> env) throws IOException {
        java.util.List<String> origins = corsOrigins != null && !corsOrigins.isEmpty() ? corsOrigins
                : blankToNull(env.get("SANDBOX_AGENT_CORS_ORIGINS")) == null ? java.util.List.of()
                : java.util.Arrays.stream(env.get("SANDBOX_AGENT_CORS_ORIGINS").split(","))
                        .map(String::strip).filter(o -> !o.isEmpty())
                        .map(o -> WebOrigin.parse(o, "SANDBOX_AGENT_CORS_ORIGINS")).toList();
        DockerSettings dockerSettings = dockerSettings(docker, env);
        Path resolvedWarmConfig = warmConfig != null ? warmConfig.toAbsolutePath()
                : blankToNull(env.get("SANDBOX_AGENT_WARM_CONFIG")) == null ? null
                : Path.of(env.get("SANDBOX_AGENT_WARM_CONFIG")).toAbsolutePath();
        Limits limits = Limits.DEFAULTS;
        if (blankToNull(env.get("SANDBOX_AGENT_INSTALL_TIMEOUT")) != null) {
            limits = limits.withInstallTimeout(seconds(env.get("SANDBOX_AGENT_INSTALL_TIMEOUT"),
                    "SANDBOX_AGENT_INSTALL_TIMEOUT"));
        }
        return resolveBasics(host, port, token, noToken, dataDir, env).withDocker(dockerSettings)
                .withWarmConfig(resolvedWarmConfig).withCorsOrigins(origins).withLimits(limits);
    }

    private static java.time.Duration seconds(String value, String source) {
        String v = value.strip();
        if (!v.matches("[0-9]{1,9}") || Long.parseLong(v) == 0) {
            throw new IllegalArgumentException(source + " must be a positive number of seconds, got '" + v + "'");
        }
        return java.time.Duration.ofSeconds(Long.parseLong(v));
    }

    private static DockerSettings dockerSettings(String flag, Map<String, String> env) {
        DockerSettings.Mode mode = flag != null ? DockerSettings.Mode.parse(flag, "--docker")
                : blankToNull(env.get("SANDBOX_AGENT_DOCKER")) != null
                ? DockerSettings.Mode.parse(env.get("SANDBOX_AGENT_DOCKER"), "SANDBOX_AGENT_DOCKER")
                : DockerSettings.Mode.AUTO;
        DockerSettings settings = DockerSettings.system(mode);
        if (blankToNull(env.get("SANDBOX_AGENT_DOCKER_SOCKET")) != null) {
            settings = settings.withSocket(Path.of(env.get("SANDBOX_AGENT_DOCKER_SOCKET")));
        }
        if (blankToNull(env.get("SANDBOX_AGENT_DOCKERD")) != null) {
            settings = settings.withDockerd(Path.of(env.get("SANDBOX_AGENT_DOCKERD")));
        }
        if (blankToNull(env.get("SANDBOX_AGENT_DOCKER_DATA_ROOT")) != null) {
            settings = settings.withDataRoot(Path.of(env.get("SANDBOX_AGENT_DOCKER_DATA_ROOT")));
        }
        if (blankToNull(env.get("SANDBOX_AGENT_DOCKER_FLAGS")) != null) {
            // Split on whitespace only: dockerd flags take no quoted values worth supporting here.
            settings = settings.withExtraFlags(java.util.List.of(env.get("SANDBOX_AGENT_DOCKER_FLAGS").strip()
                    .split("\\s+")));
        }
        return settings;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static ServerConfig resolveBasics(String host, Integer port, String token, boolean noToken, Path dataDir,
                                              Map<String, String> env) throws IOException {
        String resolvedHost = host != null ? host : env.getOrDefault("SANDBOX_AGENT_HOST", DEFAULT_HOST);
        int resolvedPort = port != null ? port : parsePort(env.get("SANDBOX_AGENT_PORT"));
        Path resolvedDataDir = resolveDataDir(dataDir, env);
        String resolvedToken = null;
        if (!noToken) {
            resolvedToken = token != null ? token : env.get("SANDBOX_AGENT_TOKEN");
            if (resolvedToken == null || resolvedToken.isBlank()) {
                resolvedToken = readOrCreateTokenFile(resolvedDataDir);
            }
        }
        return new ServerConfig(resolvedHost, resolvedPort, resolvedToken, resolvedDataDir, 1024 * 1024, env);
    }

    private static int parsePort(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_PORT;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("SANDBOX_AGENT_PORT is not a port number: " + value);
        }
    }

    /**
     * The token file lets the CLI inside the sandbox find the token without being told. It is created 0600 before
     * anything is written to it, so the token is never readable by others even briefly.
     */
    static String readOrCreateTokenFile(Path dataDir) throws IOException {
        dev.sandboxagent.server.files.DataDirectory.createPrivateDirectories(dataDir);
        Path file = dataDir.resolve(TOKEN_FILE);
        if (Files.exists(file)) {
            String existing = Files.readString(file).trim();
            if (!existing.isEmpty()) {
                return existing;
            }
        }
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        String token = HexFormat.of().formatHex(bytes);
        Path tmp = dataDir.resolve(TOKEN_FILE + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, token + "\n");
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return token;
    }

    /** Never prints the token or the environment. */
    @Override
    public String toString() {
        return "ServerConfig[host=" + host + ", port=" + port + ", auth=" + (token != null) + ", dataDir=" + dataDir
                + ", docker=" + docker.mode().wireName() + (warmConfig == null ? "" : ", warmConfig=" + warmConfig)
                + (corsOrigins.isEmpty() ? "" : ", corsOrigins=" + corsOrigins) + ", agentsDir=" + agentsDir + ", "
                + limits + "]";
    }
}
