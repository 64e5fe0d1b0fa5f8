package dev.sandboxagent.cli.autostart;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How to start {@code sandbox-agent server} as a new process: through the launcher script that started this CLI
 * ({@code bin/sandbox-agent} names itself in {@value #LAUNCHER}), so the server gets the launcher's server flags
 * (heap policy) and start-up archive; else (a test's class path, a bare {@code java -jar}) the java binary and class
 * path of this very JVM. Either way the server is exactly the version of the CLI that started it.
 *
 * @param prefix    run before java: {@code setsid}, so the server leaves the CLI's session and process group and a
 *                  Ctrl-C or a closing terminal (SIGINT/SIGHUP to the group) does not take it down with the CLI
 * @param java      the java launcher, or the sandbox-agent launcher script when {@code classPath} is null
 * @param jvmArgs   flags for the server JVM
 * @param classPath the class path, or null to run {@code java} as the sandbox-agent launcher
 */
public record ServerLaunch(List<String> prefix, String java, List<String> jvmArgs, String classPath,
                           String mainClass) {

    public ServerLaunch {
        prefix = List.copyOf(prefix);
        jvmArgs = List.copyOf(jvmArgs);
    }

    /** Set by bin/sandbox-agent for the commands it runs: its own path. */
    public static final String LAUNCHER = "SANDBOX_AGENT_LAUNCHER";

    /** The fat jar: the api jar ({@value #API_JAR}) has no server in it, and sits next to it. */
    static final String FAT_JAR = "sandbox-agent.jar";
    static final String API_JAR = "sandbox-agent-cli.jar";

    /** @param launcher the value of {@value #LAUNCHER}, or null */
    public static ServerLaunch ofThisJvm(String launcher) {
        boolean serverOnClassPath = ServerLaunch.class.getClassLoader()
                .getResource("dev/sandboxagent/cli/server/ServerCommand.class") != null;
        return of(launcher, Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                System.getProperty("java.class.path"), serverOnClassPath);
    }

    /**
     * Without the launcher, this JVM's java and class path; but a CLI run from the api jar alone (a bare {@code
     * java -jar lib/sandbox-agent-cli.jar api ...}) has no server to start, so the server then runs from the fat jar
     * next to it.
     */
    static ServerLaunch of(String launcher, String java, String classPath, boolean serverOnClassPath) {
        if (launcher != null && !launcher.isBlank() && Files.isExecutable(Path.of(launcher))) {
            return new ServerLaunch(setsid(), launcher, List.of(), null, null);
        }
        if (!serverOnClassPath && classPath.endsWith(API_JAR)) {
            Path fatJar = Path.of(classPath).toAbsolutePath().resolveSibling(FAT_JAR);
            if (Files.isRegularFile(fatJar)) {
                classPath = fatJar.toString();
            }
        }
        return new ServerLaunch(setsid(), java, List.of(), classPath, "dev.sandboxagent.cli.Main");
    }

    /** The full command line for a server on {@code host:port} with its data in {@code dataDir}. */
    public List<String> command(String host, int port, Path dataDir) {
        List<String> command = new ArrayList<>(prefix);
        command.add(java);
        command.addAll(jvmArgs);
        if (classPath != null) {
            command.addAll(List.of("-cp", classPath, mainClass));
        }
        command.addAll(List.of("server", "--host", host, "--port", Integer.toString(port), "--data-dir",
                dataDir.toString()));
        return command;
    }

    private static List<String> setsid() {
        for (String candidate : List.of("/usr/bin/setsid", "/bin/setsid")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return List.of(candidate);
            }
        }
        return List.of(); // still detached from our stdin/stdout; only a group-wide signal would reach it
    }
}
