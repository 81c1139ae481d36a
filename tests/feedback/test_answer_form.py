"""Testers answer forms in the portal: validation per kind, open/closed, edits, pay once."""

import datetime

import pytest
from django.utils import timezone
from feedback_helpers import answers_post, questions

from accessprogram.access.models import AccessBlock
from accessprogram.access.revocation import block_access
from accessprogram.compensation.models import LedgerEntry
from accessprogram.feedback import services
from accessprogram.feedback.answers import AnswersInvalid
from accessprogram.feedback.models import Answer, FeedbackForm, FormResponse
from accessprogram.programs.models import Cohort
from clients import signed_in
from factories import GenerationFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def url(form):
    return f"/feedback/forms/{form.pk}/"


def good_answers(form, generation=None, **extra):
    data = answers_post(
        form,
        **{"Overall quality": "4", "Best length": "8 s", "What broke": ["motion", "text"]},
    )
    if generation is not None:
        data[f"q{questions(form)['Your best video'].pk}"] = generation.public_id
    data.update(answers_post(form, **extra))
    return data


def test_the_index_lists_open_and_past_forms(tester_client, make_form):
    open_form = make_form()
    past = make_form(opens_in=-48, closes_in=-24)
    draft = make_form(publish=False)
    page = tester_client.get("/feedback/").content.decode()
    assert f'href="/feedback/forms/{open_form.pk}/"' in page
    assert f'href="/feedback/forms/{past.pk}/"' in page
    assert f"/feedback/forms/{draft.pk}/" not in page


def test_answering_saves_every_kind_and_pays_once(
    tester_client, tester, open_form, completed, rate_card
):
    video = completed(tester)
    response = tester_client.post(
        url(open_form),
        good_answers(open_form, video, **{"One word": "smooth", "Anything else": "Great."}),
    )
    assert response.status_code == 302
    saved = FormResponse.objects.get(form=open_form, membership=tester)
    assert saved.completed_at is not None
    values = {a.question.label: a.value for a in saved.answers.select_related("question")}
    assert values == {
        "Overall quality": 4,
        "Best length": "8 s",
        "What broke": ["motion", "text"],
        "One word": "smooth",
        "Anything else": "Great.",
        "Your best video": video.public_id,
    }
    assert saved.answers.get(question__label="Your best video").generation == video
    (entry,) = LedgerEntry.objects.filter(membership=tester, kind=LedgerEntry.Kind.AWARD_FORM)
    assert str(entry.amount) == "5.00"
    assert entry.idempotency_key == f"form-response:{saved.pk}"

    # An edit changes the answers in place and does not pay again.
    again = tester_client.post(url(open_form), good_answers(open_form, **{"Overall quality": "2"}))
    assert again.status_code == 302
    assert FormResponse.objects.filter(form=open_form).count() == 1
    assert Answer.objects.get(response=saved, question__label="Overall quality").value == 2
    assert not Answer.objects.filter(response=saved, question__label="One word").exists()
    assert LedgerEntry.objects.filter(membership=tester).count() == 1


def test_a_double_submit_pays_exactly_once(tester, open_form, rate_card):
    raw = {questions(open_form)["Overall quality"].pk: "5"}
    raw[questions(open_form)["Best length"].pk] = "4 s"
    first = services.submit_response(form=open_form, membership=tester, raw=raw)
    second = services.submit_response(form=open_form, membership=tester, raw=raw)
    assert first.pk == second.pk
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.AWARD_FORM).count() == 1


def test_without_a_rate_card_answers_are_saved_unpaid(tester_client, tester, open_form):
    assert tester_client.post(url(open_form), good_answers(open_form)).status_code == 302
    assert FormResponse.objects.filter(membership=tester).exists()
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize(
    ("label", "value", "message"),
    [
        ("Overall quality", "0", "Choose a rating from 1 to 5."),
        ("Overall quality", "6", "Choose a rating from 1 to 5."),
        ("Overall quality", "three", "Choose a rating from 1 to 5."),
        ("Overall quality", "", "This question needs an answer."),
        ("Best length", "16 s", "Choose one of the options given."),
        ("What broke", ["motion", "sound"], "Choose only among the options given."),
        ("One word", "x" * 301, "Keep the answer under 300 characters."),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_written(
    tester_client, open_form, rate_card, label, value, message
):
    response = tester_client.post(url(open_form), good_answers(open_form, **{label: value}))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not FormResponse.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_only_own_completed_videos_of_the_program_can_be_picked(
    tester_client, tester, open_form, completed, program
):
    other_tester = MembershipFactory(program=program)
    for video in [
        completed(other_tester),
        GenerationFactory(tester=tester.user, program=program),  # queued
        completed(MembershipFactory(user=tester.user)),  # another program
    ]:
        response = tester_client.post(url(open_form), good_answers(open_form, video))
        assert response.status_code == 422
        assert "Pick one of your own completed videos" in response.content.decode()
    assert not FormResponse.objects.exists()


@pytest.mark.parametrize(
    ("opens_in", "closes_in", "message"), [(-48, -1, "This form closed"), (2, 24, "opens on")]
)
def test_a_closed_or_unopened_form_refuses_answers(
    tester_client, make_form, rate_card, opens_in, closes_in, message
):
    form = make_form(opens_in=opens_in, closes_in=closes_in)
    response = tester_client.post(url(form), good_answers(form))
    assert response.status_code == 409
    assert message in response.content.decode()
    assert not FormResponse.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_answers_cannot_change_after_the_form_closes(tester_client, tester, open_form):
    assert tester_client.post(url(open_form), good_answers(open_form)).status_code == 302
    FeedbackForm.objects.filter(pk=open_form.pk).update(
        closes_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    response = tester_client.post(url(open_form), good_answers(open_form, **{"Best length": "4 s"}))
    assert response.status_code == 409
    assert Answer.objects.get(question__label="Best length").value == "8 s"
    page = tester_client.get(url(open_form)).content.decode()
    assert "can no longer change" in page
    assert "8 s" in page and '<form method="post" novalidate>' not in page


def test_a_cohort_form_is_only_for_that_cohort(tester_client, tester, program, make_form):
    wave = Cohort.objects.create(program=program, name="Wave 2")
    form = make_form(cohort=wave)
    assert tester_client.get(url(form)).status_code == 404
    assert tester_client.post(url(form), good_answers(form)).status_code == 404
    tester.cohort = wave
    tester.save()
    assert tester_client.get(url(form)).status_code == 200


def test_a_draft_or_another_programs_form_answers_404(tester_client, make_form, program):
    draft = make_form(publish=False)
    elsewhere = make_form(target=MembershipFactory().program)
    for form in (draft, elsewhere):
        assert tester_client.get(url(form)).status_code == 404
        assert tester_client.post(url(form), good_answers(form)).status_code == 404


def test_a_blocked_tester_sees_the_notice_and_cannot_answer(
    tester_client, tester, open_form, manager
):
    block_access(
        target=tester,
        kind=AccessBlock.Kind.SUSPENSION,
        reason="looking into a leak",
        message="Your access is suspended while we look into a leak.",
        actor=manager,
    )
    tester_client = signed_in(tester.user)  # the block ended the earlier session
    response = tester_client.get(url(open_form))
    assert response.status_code == 403
    assert "Your access is suspended while we look into a leak." in response.content.decode()
    assert tester_client.post(url(open_form), good_answers(open_form)).status_code == 403
    with pytest.raises(services.FeedbackError):
        services.submit_response(
            form=open_form,
            membership=tester,
            raw={questions(open_form)["Overall quality"].pk: "3"},
        )
    assert not FormResponse.objects.exists()


def test_service_reports_every_wrong_answer(tester, open_form):
    with pytest.raises(AnswersInvalid) as raised:
        services.submit_response(form=open_form, membership=tester, raw={})
    assert set(raised.value.errors) == {
        questions(open_form)["Overall quality"].pk,
        questions(open_form)["Best length"].pk,
    }


def test_an_empty_submission_of_an_all_optional_form_is_refused(tester_client, tester, program):
    now = timezone.now()
    form = services.create_form(
        program=program,
        title="Optional",
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(hours=1),
    )
    services.add_question(form=form, kind="long", label="Anything?", required=False)
    services.publish_form(form=form)
    response = tester_client.post(url(form), {f"q{form.questions.get().pk}": "  "})
    assert response.status_code == 409
    assert "Answer at least one question" in response.content.decode()
    assert not FormResponse.objects.exists()
