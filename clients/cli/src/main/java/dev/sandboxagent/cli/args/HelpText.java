package dev.sandboxagent.cli.args;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code --help} text of a command, made from its {@link CommandSpec}: a usage line, the description, then its
 * arguments, options or subcommands, each with its description wrapped to the width.
 */
public final class HelpText {
    private static final int WIDTH = 100;
    private static final int MAX_LABEL = 28;

    private HelpText() {
    }

    /**
     * @param command       the command whose help it is (for a group, its subcommands are built to list them)
     * @param qualifiedName its words from the root, e.g. {@code sandbox-agent api sessions}
     */
    public static <C> String of(Command<C> command, String qualifiedName) {
        CommandSpec spec = command.spec();
        StringBuilder text = new StringBuilder();
        text.append("Usage: ");
        wrap(text, usage(spec, qualifiedName), "Usage: ".length(), "Usage: ".length() + 4);
        if (!spec.description().isEmpty()) {
            text.append('\n');
            for (String line : spec.description()) {
                wrap(text, line, 0, 0);
            }
        }
        List<String[]> rows = new ArrayList<>();
        if (spec.isGroup()) {
            for (String name : spec.subcommands()) {
                Command<C> sub = command.subcommand(name);
                rows.add(new String[] {name, sub == null ? "" : sub.spec().summary()});
            }
            section(text, "Commands:", rows);
            rows.clear();
        }
        for (Positional positional : spec.positionals()) {
            rows.add(new String[] {positional.label(), positional.description()});
        }
        section(text, "Arguments:", rows);
        rows.clear();
        for (Option option : spec.options()) {
            rows.add(new String[] {optionLabel(option), optionDescription(option)});
        }
        rows.add(new String[] {"-h, --help", "Show this help and exit."});
        rows.add(new String[] {"-V, --version", "Print the version and exit."});
        section(text, "Options:", rows);
        if (spec.isGroup()) {
            text.append('\n').append("Run '").append(qualifiedName).append(" COMMAND --help' for a command's options.")
                    .append('\n');
        }
        return text.toString();
    }

    private static String usage(CommandSpec spec, String qualifiedName) {
        StringBuilder usage = new StringBuilder(qualifiedName);
        if (spec.isGroup()) {
            return usage.append(" COMMAND [OPTIONS]").toString();
        }
        for (Positional positional : spec.positionals()) {
            usage.append(' ').append(positional.label());
        }
        for (OneOf oneOf : spec.oneOfs()) {
            List<String> alternatives = new ArrayList<>();
            for (Option option : oneOf.options()) {
                alternatives.add(synopsis(option));
            }
            String joined = String.join(" | ", alternatives);
            usage.append(' ').append(oneOf.required() ? "(" + joined + ")" : "[" + joined + "]");
        }
        for (Option option : spec.options()) {
            if (option.isRequired() && !inOneOf(spec, option)) {
                usage.append(' ').append(synopsis(option));
            }
        }
        return usage.append(" [OPTIONS]").toString(); // every command has some: -h and -V at least
    }

    private static boolean inOneOf(CommandSpec spec, Option option) {
        for (OneOf oneOf : spec.oneOfs()) {
            if (oneOf.options().contains(option)) {
                return true;
            }
        }
        return false;
    }

    private static String synopsis(Option option) {
        String text = option.isFlag() ? option.name() : option.name() + " " + option.label();
        return option.isGreedy() ? text + "..." : text;
    }

    private static String optionLabel(Option option) {
        String names = String.join(", ", option.names());
        if (option.isFlag()) {
            return names;
        }
        return names + " " + option.label() + (option.isGreedy() ? "..." : "");
    }

    private static String optionDescription(Option option) {
        String text = option.description();
        List<String> notes = new ArrayList<>();
        if (option.isRequired()) {
            notes.add("required");
        }
        if (option.isRepeatable() && !option.isGreedy()) {
            notes.add("repeatable");
        }
        if (option.defaultValue() != null) {
            notes.add("default: " + option.defaultValue());
        }
        return notes.isEmpty() ? text : text + " (" + String.join("; ", notes) + ")";
    }

    private static void section(StringBuilder text, String title, List<String[]> rows) {
        if (rows.isEmpty()) {
            return;
        }
        text.append('\n').append(title).append('\n');
        int column = 0;
        for (String[] row : rows) {
            if (row[0].length() <= MAX_LABEL) {
                column = Math.max(column, row[0].length());
            }
        }
        int indent = 2 + column + 2;
        for (String[] row : rows) {
            text.append("  ").append(row[0]);
            if (row[0].length() > column) {
                text.append('\n').append(" ".repeat(indent));
            } else {
                text.append(" ".repeat(column - row[0].length() + 2));
            }
            wrap(text, row[1], indent, indent);
        }
    }

    /**
     * Appends {@code words} wrapped at the width, then a line break. The current line already holds {@code column}
     * characters; continuation lines are indented by {@code indent}.
     */
    private static void wrap(StringBuilder text, String words, int column, int indent) {
        boolean lineEmpty = true;
        for (String word : words.split(" ")) {
            if (word.isEmpty()) {
                continue;
            }
            if (!lineEmpty && column + 1 + word.length() > WIDTH) {
                text.append('\n').append(" ".repeat(indent));
                column = indent;
                lineEmpty = true;
            }
            if (!lineEmpty) {
                text.append(' ');
                column++;
            }
            text.append(word);
            column += word.length();
            lineEmpty = false;
        }
        text.append('\n');
    }
}
