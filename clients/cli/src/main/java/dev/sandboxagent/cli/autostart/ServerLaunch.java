package dev.sandboxagent.cli.autostart;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How to start {@code sandbox-agent server} as a new process: the java binary and class path of this very JVM
 * (the fat jar, or a test's class path), so the server is exactly the version of the CLI that started it.
 *
 * @param prefix  run before java: {@code setsid}, so the server leaves the CLI's session and process group and a
 *                Ctrl-C or a closing terminal (SIGINT/SIGHUP to the group) does not take it down with the CLI
 * @param java    the java launcher
 * @param jvmArgs flags for the server JVM
 */
public record ServerLaunch(List<String> prefix, String java, List<String> jvmArgs, String classPath,
                           String mainClass) {

    public ServerLaunch {
        prefix = List.copyOf(prefix);
        jvmArgs = List.copyOf(jvmArgs);
    }

    public static ServerLaunch ofThisJvm() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ServerLaunch(setsid(), java, List.of(), System.getProperty("java.class.path"),
                "dev.sandboxagent.cli.Main");
    }

    /** The full command line for a server on {@code host:port} with its data in {@code dataDir}. */
    public List<String> command(String host, int port, Path dataDir) {
        List<String> command = new ArrayList<>(prefix);
        command.add(java);
        command.addAll(jvmArgs);
        command.addAll(List.of("-cp", classPath, mainClass, "server", "--host", host, "--port",
                Integer.toString(port), "--data-dir", dataDir.toString()));
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
