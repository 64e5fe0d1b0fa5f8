package dev.sandboxagent.cli;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import dev.sandboxagent.agents.AgentCatalog;
import dev.sandboxagent.server.SandboxAgentServer;
import dev.sandboxagent.store.SessionStore;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The boundaries between packages and modules, checked on the compiled classes of every module (this module's
 * test class path is the one that has them all: event-schema, session-store, agent-adapters, server, the Java
 * client and the CLI). The module system would say some of this at compile time, but not here: see "Modules and
 * their public surfaces" in docs/architecture.md for why these rules are a test instead of module-info.java.
 */
class ArchitectureTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            // agent-adapters' test jar (fake providers) when the reactor resolves it as a jar
            .withImportOption(location -> !location.contains("-tests.jar"))
            .importPackages("dev.sandboxagent");

    /**
     * No package depends on itself through others. A facade's static factory may reach into its own internal
     * package ({@code SessionStore.openSqlite}, {@code SandboxAgentServer.start}); so may the agent catalog's
     * factory into the built-in adapters (issue 9's adapter refactor gives them a place of their own). The CLI's
     * command groups build their subcommands, so a group lives in its subcommands' package or above them (the
     * {@code api} group in the CLI's root package).
     */
    @Test
    void noPackageCycles() {
        slices().matching("dev.sandboxagent.(**)")
                .should().beFreeOfCycles()
                .ignoreDependency(belongToAnyOf(SessionStore.class),
                        resideInAPackage("dev.sandboxagent.store.internal"))
                .ignoreDependency(belongToAnyOf(SandboxAgentServer.class),
                        resideInAPackage("dev.sandboxagent.server.internal"))
                .ignoreDependency(belongToAnyOf(AgentCatalog.class), resideInAnyPackage("dev.sandboxagent.agents.mock",
                        "dev.sandboxagent.agents.claude", "dev.sandboxagent.agents.codex", "dev.sandboxagent.agents.acp",
                        "dev.sandboxagent.agents.pi"))
                .check(MAIN);
    }

    /** The server's public surface is SandboxAgentServer and ServerConfig: its other packages are its own. */
    @Test
    void outsideTheServerOnlyItsSurfaceIsUsed() {
        classes().that().resideInAPackage("dev.sandboxagent.server").and().areTopLevelClasses()
                .should().haveFullyQualifiedName(SandboxAgentServer.class.getName())
                .orShould().haveFullyQualifiedName("dev.sandboxagent.server.ServerConfig")
                .check(MAIN);
        noClasses().that().resideOutsideOfPackage("dev.sandboxagent.server..")
                .should().dependOnClassesThat(resideInAPackage("dev.sandboxagent.server..")
                        .and(not(resideInAPackage("dev.sandboxagent.server"))))
                .check(MAIN);
    }

    /** The store's SQLite machinery and the adapters' insides are used through their modules' surfaces only. */
    @Test
    void outsideTheStoreAndTheAdaptersOnlyTheirSurfacesAreUsed() {
        noClasses().that().resideOutsideOfPackage("dev.sandboxagent.store..")
                .should().dependOnClassesThat().resideInAPackage("dev.sandboxagent.store.internal..")
                .check(MAIN);
        noClasses().that().resideOutsideOfPackage("dev.sandboxagent.agents..")
                .should().dependOnClassesThat(resideInAPackage("dev.sandboxagent.agents..")
                        .and(not(resideInAnyPackage("dev.sandboxagent.agents", "dev.sandboxagent.agents.install"))))
                .check(MAIN);
    }

    /**
     * The session core speaks of sessions, turns and agents; HTTP (problems, Vert.x) is the routes' business: only
     * SessionRoutes and SessionProblems, its edge, know it.
     */
    @Test
    void theSessionCoreKnowsNoHttp() {
        noClasses().that().resideInAPackage("dev.sandboxagent.server.sessions")
                .and().haveSimpleNameNotStartingWith("SessionRoutes")
                .and().haveSimpleNameNotStartingWith("SessionProblems")
                .should().dependOnClassesThat().haveFullyQualifiedName("dev.sandboxagent.server.http.ApiException")
                .orShould().dependOnClassesThat().resideInAPackage("io.vertx..")
                .check(MAIN);
    }

    /**
     * Inside the server, a class is public only when another package of the server uses it (Java has no
     * "public within this module" without module-info); everything else is package-private. Except a service
     * provider (META-INF/services), which ServiceLoader requires to be public: Vert.x's JSON codec (CoreJsonCodec).
     */
    @Test
    void serverClassesArePublicOnlyWhenAnotherPackageUsesThem() {
        classes().that().resideInAPackage("dev.sandboxagent.server..").and().areTopLevelClasses()
                .and().arePublic()
                .and(not(resideInAPackage("dev.sandboxagent.server")))
                .and().doNotImplement("io.vertx.core.spi.JsonFactory")
                .should(beUsedFromAnotherPackage())
                .check(MAIN);
    }

    private static ArchCondition<JavaClass> beUsedFromAnotherPackage() {
        return new ArchCondition<>("be used from another package (or else be package-private)") {
            @Override
            public void check(JavaClass item, ConditionEvents events) {
                Set<String> users = new java.util.TreeSet<>();
                item.getDirectDependenciesToSelf().forEach(d -> {
                    JavaClass user = d.getOriginClass();
                    if (!user.getPackageName().equals(item.getPackageName())) {
                        users.add(user.getName());
                    }
                });
                boolean used = !users.isEmpty();
                events.add(new SimpleConditionEvent(item, used, item.getName()
                        + (used ? " is used by " + users : " is public but used only in its own package")));
            }
        };
    }
}
