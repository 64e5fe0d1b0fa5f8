package dev.sandboxagent.cli.args;

import java.util.List;
import java.util.Objects;

/**
 * One option of a command: a flag ({@code --wait}) or an option with a value ({@code --agent AGENT}, also written
 * {@code --agent=AGENT}). Declared as a constant of the command that has it, e.g.
 * {@code static final Option AGENT = Option.value("--agent", "AGENT", "The agent to run.").required();}.
 *
 * @param names        every spelling, e.g. {@code -m} and {@code --message}; the first long one names the option in
 *                     messages
 * @param label        what the value is called in help and errors; null for a flag
 * @param type         how the value is checked and converted while parsing, so a bad value is a usage error before
 *                     the command does anything
 * @param description  one or more sentences for {@code --help}
 * @param isRequired   whether the command line must give it
 * @param isRepeatable whether it may be given more than once (each value is kept)
 * @param isGreedy     whether it takes every following argument that is not an option ({@code --answer a b})
 * @param defaultValue the value when it is not given, as typed on a command line; shown in help; null for none
 * @param choices      the only values allowed (compared ignoring case), or empty for any
 */
public record Option(List<String> names, String label, ValueType type, String description, boolean isRequired,
                     boolean isRepeatable, boolean isGreedy, String defaultValue, List<String> choices) {

    public Option {
        names = List.copyOf(names);
        if (names.isEmpty()) {
            throw new IllegalArgumentException("an option needs a name");
        }
        for (String name : names) {
            if (!name.startsWith("-") || name.equals("-") || name.equals("--")) {
                throw new IllegalArgumentException("not an option name: '" + name + "'");
            }
        }
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(description, "description");
        choices = List.copyOf(choices);
        if (label == null && (isRequired || isGreedy || defaultValue != null || !choices.isEmpty())) {
            throw new IllegalArgumentException(names.get(0) + ": a flag has no value to require, default or choose");
        }
    }

    /*
     * equals and hashCode written out, with the meaning the record's generated ones have: options are the keys of
     * every parse's value map, and the generated methods bootstrap through java.lang.runtime.ObjectMethods, which
     * spins a dozen method-handle classes at their first call, in every CLI run (a start-up archive of JDK 17 cannot
     * hold them). With the string-concatenation flag in the pom, that took ~80 ms of CPU off an api command
     * (measured together; docs/benchmarks.md, "CLI round trip").
     */
    @Override
    public boolean equals(Object other) {
        return other instanceof Option that && names.equals(that.names) && Objects.equals(label, that.label)
                && type == that.type && description.equals(that.description) && isRequired == that.isRequired
                && isRepeatable == that.isRepeatable && isGreedy == that.isGreedy
                && Objects.equals(defaultValue, that.defaultValue) && choices.equals(that.choices);
    }

    @Override
    public int hashCode() {
        return Objects.hash(names, label, type, description, isRequired, isRepeatable, isGreedy, defaultValue,
                choices);
    }

    /** A flag: present or not. */
    public static Option flag(String name, String description) {
        return new Option(List.of(name), null, ValueType.STRING, description, false, false, false, null, List.of());
    }

    /** A flag with a short and a long spelling, e.g. {@code -f} and {@code --follow}. */
    public static Option flag(String shortName, String longName, String description) {
        return new Option(List.of(shortName, longName), null, ValueType.STRING, description, false, false, false,
                null, List.of());
    }

    /** An option that takes a value, any text. */
    public static Option value(String name, String label, String description) {
        return new Option(List.of(name), label, ValueType.STRING, description, false, false, false, null, List.of());
    }

    /** An option that takes a value, with a short and a long spelling. */
    public static Option value(String shortName, String longName, String label, String description) {
        return new Option(List.of(shortName, longName), label, ValueType.STRING, description, false, false, false,
                null, List.of());
    }

    public Option ofType(ValueType value) {
        return new Option(names, label, value, description, isRequired, isRepeatable, isGreedy, defaultValue, choices);
    }

    public Option required() {
        return new Option(names, label, type, description, true, isRepeatable, isGreedy, defaultValue, choices);
    }

    public Option repeatable() {
        return new Option(names, label, type, description, isRequired, true, isGreedy, defaultValue, choices);
    }

    public Option greedy() {
        return new Option(names, label, type, description, isRequired, true, true, defaultValue, choices);
    }

    public Option defaultValue(String value) {
        return new Option(names, label, type, description, isRequired, isRepeatable, isGreedy, value, choices);
    }

    public Option choices(String... values) {
        return new Option(names, label, type, description, isRequired, isRepeatable, isGreedy, defaultValue,
                List.of(values));
    }

    public boolean isFlag() {
        return label == null;
    }

    /** The name used in messages: the first long spelling, else the first. */
    public String name() {
        for (String name : names) {
            if (name.startsWith("--")) {
                return name;
            }
        }
        return names.get(0);
    }

    /** How the option is written in a usage line and in errors: {@code --agent=AGENT} or {@code --wait}. */
    public String synopsis() {
        return isFlag() ? name() : name() + "=" + label;
    }
}
