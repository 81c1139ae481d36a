"""Helpers shared by the feedback tests."""

from django.test import Client

from accessprogram.feedback.models import Question

PASSWORD = "correct-horse-battery"


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def questions(form) -> dict[str, Question]:
    return {q.label: q for q in form.questions.all()}


def answers_post(form, **by_label) -> dict:
    """POST data for the answer page: labels mapped to values (lists for multiple)."""
    qs = questions(form)
    data = {}
    for label, value in by_label.items():
        data[f"q{qs[label].pk}"] = value
    return data
