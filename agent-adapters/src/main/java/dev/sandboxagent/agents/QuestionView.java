package dev.sandboxagent.agents;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What an agent asks the user, as the universal question events show it: one or more questions, each with its
 * option labels. An agent's reply carries one answer list per question, in the same order. Each adapter reads its
 * agent's own shape into this and answers in that shape; the events look the same for every agent.
 */
public final class QuestionView {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

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

    /**
     * question.requested / question.resolved data: {@code prompt}, {@code options} (the first question's labels),
     * {@code status}, {@code response}, and every question in {@code questions}.
     */
    public ObjectNode data(String questionId, String status, String response) {
        ObjectNode data = JSON.objectNode().put("question_id", questionId).put("prompt", prompt());
        ArrayNode first = data.putArray("options");
        if (!questions.isEmpty()) {
            questions.get(0).options().forEach(first::add);
        }
        data.put("status", status);
        if (response == null) {
            data.putNull("response");
        } else {
            data.put("response", response);
        }
        ArrayNode details = data.putArray("questions");
        for (Question q : questions) {
            ObjectNode detail = details.addObject().put("question", q.text()).put("header", q.header())
                    .put("multi_select", q.multiSelect());
            q.options().forEach(detail.putArray("options")::add);
        }
        return data;
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
