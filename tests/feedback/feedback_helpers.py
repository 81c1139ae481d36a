"""Helpers shared by the feedback tests."""

from accessprogram.feedback.models import Question

PASSWORD = "correct-horse-battery"


def questions(form) -> dict[str, Question]:
    return {q.label: q for q in form.questions.all()}


def answers_post(form, **by_label) -> dict:
    """POST data for the answer page: labels mapped to values (lists for multiple)."""
    qs = questions(form)
    data = {}
    for label, value in by_label.items():
        data[f"q{qs[label].pk}"] = value
    return data
