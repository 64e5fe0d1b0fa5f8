package dev.sandboxagent.cli.args;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command-line parser on a small tree of its own: the forms it accepts, what it refuses, and its help. */
class ParserTest {
    static final Option NAME = Option.value("-n", "--name", "NAME", "A name.").required();
    static final Option COUNT = Option.value("--count", "N", "How many.").ofType(ValueType.INT).defaultValue("3");
    static final Option DIR = Option.value("--dir", "DIR", "A directory.").ofType(ValueType.PATH);
    static final Option LOUD = Option.flag("-l", "--loud", "Shout.");
    static final Option TAG = Option.value("--tag", "TAG", "A tag.").repeatable();
    static final Option COLOR = Option.value("--color", "red|blue", "A color.").choices("red", "blue");
    static final Option WORDS = Option.value("--words", "WORD", "Words.").greedy();
    static final Option QUIET = Option.flag("--quiet", "Say nothing.");

    /** Which commands the parser built, to show that it builds only those on the path. */
    static final List<String> built = new ArrayList<>();

    static final class Leaf implements Command<Void> {
        Leaf() {
            built.add("leaf");
        }

        @Override
        public CommandSpec spec() {
            return CommandSpec.command("leaf").description("A leaf.", "It runs.")
                    .argument("ID", "The id.")
                    .options(NAME, COUNT, DIR, LOUD, TAG, COLOR)
                    .oneOf(OneOf.atMostOne(WORDS, QUIET))
                    .build();
        }
    }

    static final class Other implements Command<Void> {
        Other() {
            built.add("other");
        }

        @Override
        public CommandSpec spec() {
            return CommandSpec.command("other").description("Another leaf.").build();
        }
    }

    static final class Root implements Command<Void> {
        @Override
        public CommandSpec spec() {
            return CommandSpec.command("tool").description("A tool.").subcommands("leaf", "other").build();
        }

        @Override
        public Command<Void> subcommand(String name) {
            return switch (name) {
                case "leaf" -> new Leaf();
                case "other" -> new Other();
                default -> null;
            };
        }
    }

    private static Parser.Result<Void> parse(String... words) {
        return Parser.parse(new Root(), List.of(words));
    }

    private static ParsedArgs args(String... words) {
        Parser.Result<Void> result = parse(words);
        assertThat(result.action()).isEqualTo(Parser.Action.RUN);
        return result.args();
    }

    private static String failure(String... words) {
        try {
            parse(words);
        } catch (Parser.Failure e) {
            return e.getMessage() + " @ " + e.qualifiedName();
        }
        throw new AssertionError("parsed: " + List.of(words));
    }

    @Test
    void acceptsEveryFormOfOptionAndConvertsValues() {
        built.clear();
        ParsedArgs args = args("leaf", "--count=7", "x1", "-nBob", "--dir", "/tmp/d", "-l", "--tag", "a", "--tag=b",
                "--color", "RED");
        assertThat(built).containsExactly("leaf");
        assertThat(args.argument(0)).isEqualTo("x1");
        assertThat(args.string(NAME)).isEqualTo("Bob");
        assertThat(args.integer(COUNT)).isEqualTo(7);
        assertThat(args.path(DIR)).isEqualTo(Path.of("/tmp/d"));
        assertThat(args.flag(LOUD)).isTrue();
        assertThat(args.flag(QUIET)).isFalse();
        assertThat(args.strings(TAG)).containsExactly("a", "b");
        assertThat(args.string(COLOR)).isEqualTo("red");

        ParsedArgs defaults = args("leaf", "--name", "-", "--", "-x");
        assertThat(defaults.string(NAME)).as("a lone dash is a value (standard input)").isEqualTo("-");
        assertThat(defaults.argument(0)).as("after --, every word is an argument").isEqualTo("-x");
        assertThat(defaults.integer(COUNT)).isEqualTo(3);
        assertThat(defaults.path(DIR)).isNull();
        assertThat(defaults.strings(TAG)).isEmpty();

        assertThat(args("leaf", "i", "--words", "a", "b", "--name", "n").strings(WORDS)).containsExactly("a", "b");
        assertThat(args("leaf", "i", "-n", "n", "--count", "-2").integer(COUNT)).isEqualTo(-2);
    }

    /**
     * No argument files (picocli, which earlier builds used, expanded {@code @file} silently): a word that starts with
     * {@code @} is text, as a message to an agent that reads {@code @path} as a file mention needs it to be.
     */
    @Test
    void aWordThatStartsWithAnAtSignIsTakenAsWrittenNotReadAsAnArgumentFile(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("args"), "--loud\n--name\nFromTheFile\n");
        ParsedArgs args = args("leaf", "@" + file, "-n", "@" + file, "--tag=@" + file);
        assertThat(args.argument(0)).isEqualTo("@" + file);
        assertThat(args.string(NAME)).isEqualTo("@" + file);
        assertThat(args.strings(TAG)).containsExactly("@" + file);
        assertThat(args.flag(LOUD)).isFalse();
        assertThat(failure("leaf", "@" + file)).as("the file's --name is not read either").contains("--name");
    }

    @Test
    void refusesWhatIsWrongWithOneMessageNamingTheCommand() {
        assertThat(failure("leaf", "i")).isEqualTo("Missing required option: '--name=NAME' @ tool leaf");
        assertThat(failure("leaf", "-n", "x")).isEqualTo("Missing required argument: 'ID' @ tool leaf");
        assertThat(failure("leaf", "-n", "x", "i", "j")).isEqualTo("Unexpected argument: 'j' @ tool leaf");
        assertThat(failure("leaf", "i", "-n", "x", "--bogus")).isEqualTo("Unknown option: '--bogus' @ tool leaf");
        assertThat(failure("leaf", "i", "-n")).isEqualTo("Missing value for option '--name=NAME' @ tool leaf");
        assertThat(failure("leaf", "i", "-n", "--loud"))
                .isEqualTo("Missing value for option '--name=NAME' @ tool leaf");
        assertThat(failure("leaf", "i", "-n", "x", "--count", "many"))
                .isEqualTo("Invalid value for option '--count': 'many' is not a whole number @ tool leaf");
        assertThat(failure("leaf", "i", "-n", "x", "--color", "green"))
                .isEqualTo("Invalid value for option '--color': expected red or blue, got 'green' @ tool leaf");
        assertThat(failure("leaf", "i", "-n", "x", "-n", "y"))
                .isEqualTo("option '--name' should be given only once @ tool leaf");
        assertThat(failure("leaf", "i", "-n", "x", "--loud=yes"))
                .isEqualTo("option '--loud' takes no value, got '--loud=yes' @ tool leaf");
        assertThat(failure("leaf", "i", "-n", "x", "--words", "a", "--quiet"))
                .isEqualTo("--words and --quiet cannot be combined @ tool leaf");
        assertThat(failure()).isEqualTo("Missing command: one of leaf, other @ tool");
        assertThat(failure("nope")).isEqualTo("Unknown command: 'nope' (one of: leaf, other) @ tool");
        assertThat(failure("--nope")).isEqualTo("Unknown option: '--nope' @ tool");
    }

    @Test
    void helpAndVersionWinOverMistakesAnywhereOnTheLine() {
        Parser.Result<Void> help = parse("leaf", "--bogus", "-h");
        assertThat(help.action()).isEqualTo(Parser.Action.HELP);
        assertThat(help.qualifiedName()).isEqualTo("tool leaf");
        assertThat(parse("--help").action()).isEqualTo(Parser.Action.HELP);
        assertThat(parse("leaf", "-V").action()).isEqualTo(Parser.Action.VERSION);
        assertThat(parse("-V", "--help").action()).isEqualTo(Parser.Action.HELP);
        assertThat(parse("leaf", "-n", "x", "--", "--help").args().argument(0)).isEqualTo("--help");
    }

    @Test
    void helpIsMadeFromTheSpec() {
        built.clear();
        Parser.Result<Void> leaf = parse("leaf", "--help");
        assertThat(HelpText.of(leaf.command(), leaf.qualifiedName())).isEqualTo("""
                Usage: tool leaf ID [--words WORD... | --quiet] --name NAME [OPTIONS]

                A leaf.
                It runs.

                Arguments:
                  ID  The id.

                Options:
                  -n, --name NAME   A name. (required)
                  --count N         How many. (default: 3)
                  --dir DIR         A directory.
                  -l, --loud        Shout.
                  --tag TAG         A tag. (repeatable)
                  --color red|blue  A color.
                  --words WORD...   Words.
                  --quiet           Say nothing.
                  -h, --help        Show this help and exit.
                  -V, --version     Print the version and exit.
                """);
        assertThat(built).containsExactly("leaf");

        Parser.Result<Void> root = parse("-h");
        assertThat(HelpText.of(root.command(), root.qualifiedName())).isEqualTo("""
                Usage: tool COMMAND [OPTIONS]

                A tool.

                Commands:
                  leaf   A leaf.
                  other  Another leaf.

                Options:
                  -h, --help     Show this help and exit.
                  -V, --version  Print the version and exit.

                Run 'tool COMMAND --help' for a command's options.
                """);
    }

    @Test
    void aSpecThatContradictsItselfIsRefusedWhenDeclared() {
        assertThatThrownBy(() -> CommandSpec.command("x").options(NAME, NAME).build())
                .hasMessageContaining("declared twice");
        assertThatThrownBy(() -> CommandSpec.command("x").options(Option.flag("--help", "mine")).build())
                .hasMessageContaining("declared twice");
        assertThatThrownBy(() -> Option.flag("--x", "x").required()).hasMessageContaining("a flag has no value");
        assertThatThrownBy(() -> Option.value("name", "N", "x")).hasMessageContaining("not an option name");
    }
}
