package dev.sandboxagent.cli;

/** What {@code --version} prints: the version from the jar manifest (set by the build); "dev" when run from classes. */
final class Version {
    private Version() {
    }

    static String text() {
        String version = Version.class.getPackage().getImplementationVersion();
        return "sandbox-agent " + (version == null ? "dev" : version);
    }
}
