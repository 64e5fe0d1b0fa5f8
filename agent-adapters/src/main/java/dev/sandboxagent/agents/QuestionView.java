package dev.sandboxagent.agents;

import dev.sandboxagent.schema.EventData;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What an agent asks the user, as the universal question events show it: one or more questions, each with its
 * option labels. An agent's reply carries one answer list per question, in the same order. Each adapter reads its
 * agent's own shape into this and answers in that shape; the events look the same for every agent.
 */
public final class QuestionView {
    /**
     * One question.
     *
     * @param text    the question itself
     * @param header  a short label some agents show above it ("" when there is none)
     * @param options the labels to choose from (empty when the answer is free text)
     */
    public record Question(String text, String header, boolean multiSelect, List<String> options) {
        public Question {
            text = Objects.requireNonNullElse(text, "");
            header = Objects.requireNonNullElse(header, "");
            options = options == null ? List.of() : List.copyOf(options);
        }
    }

    private final List<Question> questions;

    private QuestionView(List<Question> questions) {
        this.questions = List.copyOf(questions);
    }

    public static QuestionView of(List<Question> questions) {
        return new QuestionView(Objects.requireNonNull(questions, "questions"));
    }

    public List<Question> questions() {
        return questions;
    }

    /** Every question's text, one per line: what a client that shows one prompt shows. */
    public String prompt() {
        return String.join("\n", questions.stream().map(Question::text).toList());
    }

    /** question.requested data: the prompt, the first question's labels as {@code options}, every question. */
    public EventData.QuestionRequested requested(String questionId) {
        return new EventData.QuestionRequested(questionId, prompt(), firstOptions(), "requested", null, details(),
                null);
    }

    /** question.resolved data: {@code status} answered (with the {@code response}) or rejected (null). */
    public EventData.QuestionResolved resolved(String questionId, String status, String response) {
        return new EventData.QuestionResolved(questionId, prompt(), firstOptions(), status, response, details(),
                null);
    }

    private List<String> firstOptions() {
        return questions.isEmpty() ? List.of() : questions.get(0).options();
    }

    private List<EventData.Question> details() {
        return questions.stream().map(q -> new EventData.Question(q.text(), q.header(), q.multiSelect(), q.options()))
                .toList();
    }

    /** The answers as one line: per question, its answers joined with ", "; questions joined with "; ". */
    public static String responseText(List<List<String>> answers) {
        List<String> parts = new ArrayList<>();
        for (List<String> answer : answers == null ? List.<List<String>>of() : answers) {
            parts.add(answer == null ? "" : String.join(", ", answer));
        }
        return String.join("; ", parts);
    }
}
