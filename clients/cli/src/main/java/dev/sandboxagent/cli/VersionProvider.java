package dev.sandboxagent.cli;

import picocli.CommandLine.IVersionProvider;

/** The version from the jar manifest (set by the build); "dev" when run from classes. */
public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = VersionProvider.class.getPackage().getImplementationVersion();
        return new String[] {"sandbox-agent " + (version == null ? "dev" : version)};
    }
}
