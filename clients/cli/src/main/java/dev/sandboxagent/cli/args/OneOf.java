package dev.sandboxagent.cli.args;

import java.util.List;

/**
 * Options that exclude each other: at most one of them may be given, or, when {@code required}, exactly one.
 * E.g. {@code --token} or {@code --no-token}; {@code --answer} or {@code --reject}.
 */
public record OneOf(boolean required, List<Option> options) {
    public OneOf {
        options = List.copyOf(options);
        if (options.size() < 2) {
            throw new IllegalArgumentException("a choice needs two options or more");
        }
    }

    public static OneOf atMostOne(Option... options) {
        return new OneOf(false, List.of(options));
    }

    public static OneOf exactlyOne(Option... options) {
        return new OneOf(true, List.of(options));
    }
}
