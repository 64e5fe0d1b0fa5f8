package dev.sandboxagent.agents.claude;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A question Claude Code asks, as the anchor's question events show it: AskUserQuestion carries one to four
 * questions, each with options (the anchor's reply has one answer list per question, which matches); plan
 * approval is one yes/no question with the plan as its text.
 *
 * @param questions the question texts, in order
 * @param options   per question, its option labels
 */
record QuestionView(String prompt, List<String> questions, List<List<String>> options, ArrayNode details) {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    static final String APPROVE = "approve";
    static final String REJECT = "reject";

    static QuestionView of(JsonNode input) {
        List<String> questions = new ArrayList<>();
        List<List<String>> options = new ArrayList<>();
        ArrayNode details = JSON.arrayNode();
        for (JsonNode q : input.path("questions")) {
            String text = q.path("question").asText("");
            List<String> labels = new ArrayList<>();
            q.path("options").forEach(o -> labels.add(o.path("label").asText("")));
            questions.add(text);
            options.add(List.copyOf(labels));
            ObjectNode detail = details.addObject().put("question", text).put("header", q.path("header").asText(""))
                    .put("multi_select", q.path("multiSelect").asBoolean(false));
            labels.forEach(detail.putArray("options")::add);
        }
        return new QuestionView(String.join("\n", questions), List.copyOf(questions), List.copyOf(options), details);
    }

    static QuestionView planApproval(JsonNode input) {
        String plan = input.path("plan").asText("");
        String prompt = plan.isBlank() ? "Approve the plan?" : "Approve this plan?\n\n" + plan;
        ArrayNode details = JSON.arrayNode();
        details.addObject().put("question", prompt).put("header", "Plan").put("multi_select", false)
                .putArray("options").add(APPROVE).add(REJECT);
        return new QuestionView(prompt, List.of(prompt), List.of(List.of(APPROVE, REJECT)), details);
    }

    /** question.requested / question.resolved data: the anchor's fields, plus every question in {@code questions}. */
    ObjectNode data(String questionId, String status, String response) {
        ObjectNode data = JSON.objectNode().put("question_id", questionId).put("prompt", prompt);
        ArrayNode first = data.putArray("options");
        if (!options.isEmpty()) {
            options.get(0).forEach(first::add);
        }
        data.put("status", status);
        if (response == null) {
            data.putNull("response");
        } else {
            data.put("response", response);
        }
        data.set("questions", details.deepCopy());
        return data;
    }

    /** The answers as one line: per question, its answers joined with ", "; questions joined with "; ". */
    static String responseText(List<List<String>> answers) {
        List<String> parts = new ArrayList<>();
        for (List<String> answer : answers) {
            parts.add(answer == null ? "" : String.join(", ", answer));
        }
        return String.join("; ", parts);
    }
}
