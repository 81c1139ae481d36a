"""Staff build forms in the console: create, questions with htmx, publish, lock once answered."""

import pytest
from feedback_helpers import questions

from accessprogram.audit.models import AuditRecord
from accessprogram.feedback import services
from accessprogram.feedback.models import FeedbackForm, Question
from accessprogram.programs.models import Membership
from clients import signed_in
from factories import MembershipFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def base(program):
    return f"/console/feedback/{program.slug}/"


def test_a_manager_creates_builds_and_publishes_a_form(manager_client, program):
    response = manager_client.post(
        base(program) + "forms/new",
        {
            "title": "Week one",
            "description": "Tell us",
            "opens_at": "2026-01-01T09:00",
            "closes_at": "2036-01-08T09:00",
        },
    )
    assert response.status_code == 302
    form = FeedbackForm.objects.get(program=program)
    assert form.status == FeedbackForm.Status.DRAFT
    form_url = f"{base(program)}forms/{form.pk}/"
    assert response["Location"] == form_url

    # Publishing with no question is refused.
    manager_client.post(form_url + "publish")
    form.refresh_from_db()
    assert form.status == FeedbackForm.Status.DRAFT

    added = manager_client.post(
        form_url + "questions/",
        {"kind": "rating", "label": "How good?", "required": "on"},
        HTTP_HX_REQUEST="true",
    )
    assert added.status_code == 200
    assert "How good?" in added.content.decode()
    assert '<div id="questions"' in added.content.decode()  # the partial only
    assert "<html" not in added.content.decode()
    manager_client.post(
        form_url + "questions/",
        {"kind": "single", "label": "Pick", "options": "a\nb\n\nc"},
        HTTP_HX_REQUEST="true",
    )
    _rating, pick = form.questions.all()
    assert (pick.options, pick.required) == (["a", "b", "c"], False)

    # Reorder: move "Pick" up.
    manager_client.post(
        form_url + f"questions/{pick.pk}/move", {"direction": "up"}, HTTP_HX_REQUEST="true"
    )
    assert [q.label for q in form.questions.all()] == ["Pick", "How good?"]

    assert manager_client.post(form_url + "publish").status_code == 302
    form.refresh_from_db()
    assert form.status == FeedbackForm.Status.PUBLISHED
    actions = set(AuditRecord.objects.values_list("action", flat=True))
    assert {"feedback.form.create", "feedback.question.add", "feedback.form.publish"} <= actions


def test_a_choice_question_needs_two_options(manager_client, program, make_form):
    form = make_form(publish=False)
    response = manager_client.post(
        f"{base(program)}forms/{form.pk}/questions/",
        {"kind": "multiple", "label": "Pick some", "options": "only one"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert "at least two different options" in response.content.decode()
    assert not form.questions.filter(label="Pick some").exists()


def test_closing_before_opening_is_a_form_error(manager_client, program):
    response = manager_client.post(
        base(program) + "forms/new",
        {"title": "Backwards", "opens_at": "2030-01-02T00:00", "closes_at": "2030-01-01T00:00"},
    )
    assert response.status_code == 422
    assert "The form must close after it opens." in response.content.decode()
    assert not FeedbackForm.objects.exists()


def test_once_answered_questions_cannot_be_removed_or_change_type(
    manager_client, program, open_form, tester
):
    q = questions(open_form)
    services.submit_response(
        form=open_form,
        membership=tester,
        raw={q["Overall quality"].pk: "3", q["Best length"].pk: "4 s"},
    )
    form_url = f"{base(program)}forms/{open_form.pk}/"
    page = manager_client.get(form_url).content.decode()
    assert "questions can no longer be removed or change type" in page

    removed = manager_client.post(
        form_url + f"questions/{q['One word'].pk}/remove", HTTP_HX_REQUEST="true"
    )
    assert removed.status_code == 409
    assert "can no longer be removed" in removed.content.decode()
    assert Question.objects.filter(pk=q["One word"].pk).exists()

    retyped = manager_client.post(
        form_url + f"questions/{q['One word'].pk}/edit",
        {"kind": "long", "label": "One word"},
        HTTP_HX_REQUEST="true",
    )
    assert retyped.status_code == 409
    assert "type can no longer change" in retyped.content.decode()
    assert Question.objects.get(pk=q["One word"].pk).kind == "short"

    dropped = manager_client.post(
        form_url + f"questions/{q['Best length'].pk}/edit",
        {"kind": "single", "label": "Best length", "options": "4 s\n8 s"},
        HTTP_HX_REQUEST="true",
    )
    assert dropped.status_code == 409
    assert Question.objects.get(pk=q["Best length"].pk).options == ["4 s", "8 s", "12 s"]

    relabelled = manager_client.post(
        form_url + f"questions/{q['One word'].pk}/edit",
        {"kind": "short", "label": "In one word", "required": "on"},
        HTTP_HX_REQUEST="true",
    )
    assert relabelled.status_code == 200
    assert Question.objects.get(pk=q["One word"].pk).label == "In one word"


def test_before_answers_a_question_can_be_removed(manager_client, program, make_form):
    form = make_form(publish=False)
    q = questions(form)["One word"]
    response = manager_client.post(
        f"{base(program)}forms/{form.pk}/questions/{q.pk}/remove", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert not Question.objects.filter(pk=q.pk).exists()


def test_other_programs_staff_and_testers_get_404(program, make_form, tester):
    form = make_form()
    stranger = MembershipFactory(
        program=ProgramFactory(), role=Membership.Role.PROGRAM_MANAGER
    ).user
    reviewer = MembershipFactory(program=program, role=Membership.Role.REVIEWER).user
    form_url = f"{base(program)}forms/{form.pk}/"
    for user in (stranger, tester.user):
        client = signed_in(user)
        for path in [base(program), form_url, form_url + "results", form_url + "responses.csv"]:
            assert client.get(path).status_code == 404, (user, path)
        assert client.post(form_url + "publish").status_code == 404
    # A reviewer of the program sees results but cannot edit or build.
    client = signed_in(reviewer)
    assert client.get(form_url + "results").status_code == 200
    assert client.get(form_url).status_code == 404
    assert client.post(base(program) + "forms/new", {"title": "x"}).status_code == 404
