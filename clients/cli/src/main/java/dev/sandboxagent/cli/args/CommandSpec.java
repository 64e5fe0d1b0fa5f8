package dev.sandboxagent.cli.args;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a command accepts, for the parser and for its {@code --help}: a command that runs has options and arguments;
 * a group ({@code api}, {@code api sessions}) has subcommands instead, which it builds only when one is invoked (see
 * {@link Command#subcommand}). Every command also takes {@code -h/--help} and {@code -V/--version}, which are not
 * listed here.
 *
 * @param name        the word that invokes it
 * @param description the first line is its summary in its group's list; the rest is shown in its own help
 * @param options     its options, in the order help lists them
 * @param positionals its arguments, in order; all required
 * @param oneOfs      options among {@code options} that exclude each other
 * @param subcommands for a group, the names of its subcommands in the order help lists them; else empty
 */
public record CommandSpec(String name, List<String> description, List<Option> options, List<Positional> positionals,
                          List<OneOf> oneOfs, List<String> subcommands) {

    public CommandSpec {
        Objects.requireNonNull(name, "name");
        description = List.copyOf(description);
        options = List.copyOf(options);
        positionals = List.copyOf(positionals);
        oneOfs = List.copyOf(oneOfs);
        subcommands = List.copyOf(subcommands);
        Set<String> names = new HashSet<>(Parser.BUILT_IN_NAMES);
        for (Option option : options) {
            for (String optionName : option.names()) {
                if (!names.add(optionName)) {
                    throw new IllegalArgumentException(name + ": option " + optionName + " is declared twice");
                }
            }
        }
        for (OneOf oneOf : oneOfs) {
            if (!options.containsAll(oneOf.options())) {
                throw new IllegalArgumentException(name + ": a choice names an option the command does not have");
            }
        }
        if (!subcommands.isEmpty() && !positionals.isEmpty()) {
            throw new IllegalArgumentException(name + ": a group takes no arguments of its own");
        }
    }

    public static Builder command(String name) {
        return new Builder(name);
    }

    public boolean isGroup() {
        return !subcommands.isEmpty();
    }

    /** The first line of the description, for the group's list of commands. */
    public String summary() {
        return description.isEmpty() ? "" : description.get(0);
    }

    /** Fluent construction: most commands set a description, a few options and an argument or two. */
    public static final class Builder {
        private final String name;
        private final List<String> description = new ArrayList<>();
        private final List<Option> options = new ArrayList<>();
        private final List<Positional> positionals = new ArrayList<>();
        private final List<OneOf> oneOfs = new ArrayList<>();
        private final List<String> subcommands = new ArrayList<>();

        private Builder(String name) {
            this.name = name;
        }

        public Builder description(String... lines) {
            description.addAll(List.of(lines));
            return this;
        }

        public Builder argument(String label, String text) {
            positionals.add(new Positional(label, text));
            return this;
        }

        public Builder options(Option... values) {
            options.addAll(List.of(values));
            return this;
        }

        public Builder options(List<Option> values) {
            options.addAll(values);
            return this;
        }

        /** Options that exclude each other; they are added to the command's options too. */
        public Builder oneOf(OneOf choice) {
            options.addAll(choice.options());
            oneOfs.add(choice);
            return this;
        }

        public Builder subcommands(String... names) {
            subcommands.addAll(List.of(names));
            return this;
        }

        public CommandSpec build() {
            return new CommandSpec(name, description, options, positionals, oneOfs, subcommands);
        }
    }
}
