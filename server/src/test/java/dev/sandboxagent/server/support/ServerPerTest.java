package dev.sandboxagent.server.support;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fresh in-process server on its own temporary data dir for every test method, stopped after it: the setup the
 * session-level tests share. Tests that need a child JVM (kill -9, umask, a full disk) use {@link ServerProcess}.
 */
public abstract class ServerPerTest {
    @TempDir
    protected Path dataDir;
    protected RunningServer server;
    protected Api api;

    @BeforeEach
    void startServer() {
        server = RunningServer.start(dataDir);
        api = server.api();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }
}
