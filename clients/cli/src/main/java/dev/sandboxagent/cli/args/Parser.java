package dev.sandboxagent.cli.args;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a command line against a tree of {@link Command}s: the words that name subcommands first, then the invoked
 * command's options and arguments, in any order. Accepted forms: {@code --name value}, {@code --name=value},
 * {@code -m value}, {@code -mvalue}, flags, and {@code --} after which every word is an argument. {@code -h/--help}
 * and {@code -V/--version} work on every command and win over any mistake in the rest of the line. A word that
 * starts with {@code @} is taken as written: there are no argument files (a message may well start with an
 * {@code @path} the agent reads as a file mention; docs/cli.md).
 */
public final class Parser {
    static final String HELP_SHORT = "-h";
    static final String HELP = "--help";
    static final String VERSION_SHORT = "-V";
    static final String VERSION = "--version";
    /** The option names every command has; a command cannot declare them again. */
    static final Set<String> BUILT_IN_NAMES = Set.of(HELP_SHORT, HELP, VERSION_SHORT, VERSION);

    private Parser() {
    }

    /** What the command line asks for. */
    public enum Action {
        /** Run {@link Result#command()} with {@link Result#args()}. */
        RUN,
        /** Print {@link Result#command()}'s help. */
        HELP,
        /** Print the version. */
        VERSION
    }

    /**
     * @param action        what to do
     * @param command       the command the line reached: the one to run, or whose help to print
     * @param qualifiedName its words from the root, e.g. {@code sandbox-agent api sessions list}
     * @param args          its parsed arguments (for {@link Action#RUN}; else null)
     */
    public record Result<C>(Action action, Command<C> command, String qualifiedName, ParsedArgs args) {
    }

    /**
     * Parses {@code argv} starting at {@code root}.
     *
     * @throws Failure when the line is wrong; it carries the command reached, for the "see --help" hint
     */
    public static <C> Result<C> parse(Command<C> root, List<String> argv) {
        Command<C> command = root;
        CommandSpec spec = root.spec();
        String qualifiedName = spec.name();
        int i = 0;
        // The subcommand words: at a group, a word that is not an option must name one of its commands.
        while (spec.isGroup()) {
            if (i == argv.size()) {
                Action builtIn = builtIn(argv);
                if (builtIn != null) {
                    return new Result<>(builtIn, command, qualifiedName, null);
                }
                throw new Failure(qualifiedName, "Missing command: one of " + String.join(", ", spec.subcommands()));
            }
            String word = argv.get(i);
            if (word.startsWith("-")) {
                Action builtIn = builtIn(argv.subList(i, argv.size()));
                if (builtIn != null) {
                    return new Result<>(builtIn, command, qualifiedName, null);
                }
                throw new Failure(qualifiedName, "Unknown option: '" + word + "'");
            }
            Command<C> next = spec.subcommands().contains(word) ? command.subcommand(word) : null;
            if (next == null) {
                throw new Failure(qualifiedName, "Unknown command: '" + word + "' (one of: "
                        + String.join(", ", spec.subcommands()) + ")");
            }
            command = next;
            spec = next.spec();
            qualifiedName = qualifiedName + " " + spec.name();
            i++;
        }
        List<String> rest = argv.subList(i, argv.size());
        Action builtIn = builtIn(rest);
        if (builtIn != null) {
            return new Result<>(builtIn, command, qualifiedName, null);
        }
        try {
            return new Result<>(Action.RUN, command, qualifiedName, parseCommand(spec, rest));
        } catch (UsageException e) {
            throw new Failure(qualifiedName, e.getMessage());
        }
    }

    /**
     * Help or version when one of their options is among {@code words} before a {@code --}; help wins. Checked
     * before anything else so that {@code create --help} works without the required {@code --agent}.
     */
    private static Action builtIn(List<String> words) {
        Action found = null;
        for (String word : words) {
            if (word.equals("--")) {
                break;
            }
            if (word.equals(HELP) || word.equals(HELP_SHORT)) {
                return Action.HELP;
            }
            if (word.equals(VERSION) || word.equals(VERSION_SHORT)) {
                found = Action.VERSION;
            }
        }
        return found;
    }

    private static ParsedArgs parseCommand(CommandSpec spec, List<String> words) {
        Map<String, Option> byName = new LinkedHashMap<>();
        for (Option option : spec.options()) {
            for (String name : option.names()) {
                byName.put(name, option);
            }
        }
        Map<Option, List<Object>> values = new LinkedHashMap<>();
        List<String> positionals = new ArrayList<>();
        boolean onlyArguments = false;
        for (int i = 0; i < words.size(); i++) {
            String word = words.get(i);
            if (onlyArguments || !looksLikeOption(word)) {
                positionals.add(word);
                continue;
            }
            if (word.equals("--")) {
                onlyArguments = true;
                continue;
            }
            String name = word;
            String attached = null;
            int equals = word.indexOf('=');
            if (word.startsWith("--") && equals > 0) {
                name = word.substring(0, equals);
                attached = word.substring(equals + 1);
            } else if (!word.startsWith("--") && word.length() > 2 && !byName.containsKey(word)) {
                name = word.substring(0, 2); // -mTEXT: a short option with its value attached
                attached = word.substring(2);
            }
            Option option = byName.get(name);
            if (option == null) {
                throw new UsageException("Unknown option: '" + word + "'");
            }
            if (values.containsKey(option) && !option.isRepeatable()) {
                throw new UsageException("option '" + option.name() + "' should be given only once");
            }
            List<Object> given = values.get(option);
            if (given == null) {
                given = new ArrayList<>();
                values.put(option, given);
            }
            if (option.isFlag()) {
                if (attached != null) {
                    throw new UsageException("option '" + option.name() + "' takes no value, got '" + word + "'");
                }
                continue;
            }
            String text;
            if (attached != null) {
                text = attached;
            } else if (i + 1 < words.size() && !isName(words.get(i + 1), byName)) {
                text = words.get(++i);
            } else {
                throw new UsageException("Missing value for option '" + option.synopsis() + "'");
            }
            given.add(convert(option, text));
            while (option.isGreedy() && attached == null && i + 1 < words.size()
                    && !looksLikeOption(words.get(i + 1))) {
                given.add(convert(option, words.get(++i)));
            }
        }
        check(spec, values, positionals);
        return new ParsedArgs(values, positionals);
    }

    /** Whether the word is an option of this command (so not the value of the option before it). */
    private static boolean isName(String word, Map<String, Option> byName) {
        return byName.containsKey(word) || word.equals("--") || BUILT_IN_NAMES.contains(word)
                || (word.startsWith("--") && word.indexOf('=') > 0 && byName.containsKey(word.substring(0, word.indexOf('='))));
    }

    /** An option, or {@code --}; a lone {@code -} (standard input) and negative numbers are values. */
    private static boolean looksLikeOption(String word) {
        if (!word.startsWith("-") || word.equals("-")) {
            return false;
        }
        return !(word.length() > 1 && Character.isDigit(word.charAt(1)));
    }

    private static Object convert(Option option, String text) {
        if (!option.choices().isEmpty()) {
            for (String choice : option.choices()) {
                if (choice.equalsIgnoreCase(text)) {
                    return choice;
                }
            }
            throw new UsageException("Invalid value for option '" + option.name() + "': expected "
                    + orList(option.choices()) + ", got '" + text + "'");
        }
        Object value = option.type().convert(text);
        if (value == null) {
            throw new UsageException("Invalid value for option '" + option.name() + "': '" + text + "' is not "
                    + option.type().expected());
        }
        return value;
    }

    private static void check(CommandSpec spec, Map<Option, List<Object>> values, List<String> positionals) {
        for (OneOf oneOf : spec.oneOfs()) {
            List<String> given = new ArrayList<>();
            for (Option option : oneOf.options()) {
                if (values.containsKey(option)) {
                    given.add(option.name());
                }
            }
            if (given.size() > 1) {
                throw new UsageException(String.join(" and ", given) + " cannot be combined");
            }
            if (given.isEmpty() && oneOf.required()) {
                List<String> names = new ArrayList<>();
                for (Option option : oneOf.options()) {
                    names.add("'" + option.synopsis() + "'");
                }
                throw new UsageException("Missing required option: one of " + orList(names));
            }
        }
        for (Option option : spec.options()) {
            if (option.isRequired() && !values.containsKey(option)) {
                throw new UsageException("Missing required option: '" + option.synopsis() + "'");
            }
        }
        List<Positional> declared = spec.positionals();
        if (positionals.size() < declared.size()) {
            List<String> missing = new ArrayList<>();
            for (Positional positional : declared.subList(positionals.size(), declared.size())) {
                missing.add("'" + positional.label() + "'");
            }
            throw new UsageException("Missing required argument" + (missing.size() > 1 ? "s: " : ": ")
                    + String.join(", ", missing));
        }
        if (positionals.size() > declared.size()) {
            throw new UsageException("Unexpected argument: '" + positionals.get(declared.size()) + "'"
                    + (declared.isEmpty() ? " (this command takes none)" : ""));
        }
    }

    private static String orList(List<String> items) {
        if (items.size() == 1) {
            return items.get(0);
        }
        return String.join(", ", items.subList(0, items.size() - 1)) + " or " + items.get(items.size() - 1);
    }

    /** A wrong command line, and the command it reached (whose help would show the fix). */
    public static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private final String qualifiedName;

        Failure(String qualifiedName, String message) {
            super(message);
            this.qualifiedName = qualifiedName;
        }

        public String qualifiedName() {
            return qualifiedName;
        }
    }
}
