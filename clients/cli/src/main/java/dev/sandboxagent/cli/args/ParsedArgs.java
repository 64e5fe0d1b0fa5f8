package dev.sandboxagent.cli.args;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A command's arguments after parsing: every value already converted to its option's {@link ValueType}. Options that
 * were not given read as their default, or null (false for flags).
 */
public final class ParsedArgs {
    private final Map<Option, List<Object>> values;
    private final List<String> positionals;

    ParsedArgs(Map<Option, List<Object>> values, List<String> positionals) {
        this.values = values;
        this.positionals = List.copyOf(positionals);
    }

    /** The argument at {@code index} (every declared argument is required, so it is there). */
    public String argument(int index) {
        return positionals.get(index);
    }

    public boolean has(Option option) {
        return values.containsKey(option);
    }

    public boolean flag(Option option) {
        requireFlag(option, true);
        return values.containsKey(option);
    }

    public String string(Option option) {
        return (String) single(option, ValueType.STRING);
    }

    public Integer integer(Option option) {
        return (Integer) single(option, ValueType.INT);
    }

    public Long longValue(Option option) {
        return (Long) single(option, ValueType.LONG);
    }

    public Path path(Option option) {
        return (Path) single(option, ValueType.PATH);
    }

    /** Every value of a repeatable option, in order; empty when it was not given. */
    public List<String> strings(Option option) {
        requireFlag(option, false);
        List<Object> given = values.get(option);
        if (given == null) {
            return List.of();
        }
        String[] strings = new String[given.size()];
        for (int i = 0; i < strings.length; i++) {
            strings[i] = (String) given.get(i);
        }
        return List.of(strings);
    }

    private Object single(Option option, ValueType type) {
        requireFlag(option, false);
        if (option.type() != type) {
            throw new IllegalArgumentException(option.name() + " is of type " + option.type() + ", not " + type);
        }
        List<Object> given = values.get(option);
        if (given != null) {
            return given.get(given.size() - 1);
        }
        return option.defaultValue() == null ? null : type.convert(option.defaultValue());
    }

    /** A programming error, not a user's: the command reads an option the wrong way. */
    private static void requireFlag(Option option, boolean flag) {
        if (option.isFlag() != flag) {
            throw new IllegalArgumentException(option.name() + (flag ? " takes a value" : " is a flag"));
        }
    }
}
