package dev.sandboxagent.cli.args;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/** What an option's value or an argument must be; the parser converts it and refuses what does not convert. */
public enum ValueType {
    STRING("text"),
    INT("a whole number"),
    LONG("a whole number"),
    PATH("a file path");

    private final String expected;

    ValueType(String expected) {
        this.expected = expected;
    }

    /** The converted value: a String, Integer, Long or Path. */
    Object convert(String text) {
        try {
            return switch (this) {
                case STRING -> text;
                case INT -> Integer.valueOf(text.strip());
                case LONG -> Long.valueOf(text.strip());
                case PATH -> Path.of(text);
            };
        } catch (NumberFormatException | InvalidPathException e) {
            return null;
        }
    }

    String expected() {
        return expected;
    }
}
