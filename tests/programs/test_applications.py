"""Applications: a public page with staff-set questions, a review queue, accept or decline."""

import pytest
from django.urls import reverse

from accessprogram.audit.models import AuditRecord
from accessprogram.programs import applications
from accessprogram.programs.models import Application, Cohort, Invitation, Membership
from accessprogram.programs.services import OnboardingError
from factories import MembershipFactory


@pytest.fixture
def open_program(program):
    applications.set_applications_open(program=program, is_open=True)
    return program


@pytest.fixture
def portfolio(open_program):
    return applications.add_question(
        program=open_program, label="Portfolio link", kind="url", required=True
    )


@pytest.fixture
def manager_client(client, program):
    manager = MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER)
    client.force_login(manager.user)
    return client


def test_a_closed_program_has_no_application_page(client, program):
    assert client.get(reverse("programs:apply", args=[program.slug])).status_code == 404


def test_applying_records_the_answers(client, open_program, portfolio):
    url = reverse("programs:apply", args=[open_program.slug])
    page = client.get(url)
    assert "Portfolio link" in page.content.decode()
    response = client.post(
        url,
        {"name": "Ana", "email": "Ana@Example.com", f"q{portfolio.pk}": "https://ana.art"},
    )
    assert response.status_code == 200
    assert "Your application" in response.content.decode()
    application = Application.objects.get()
    assert application.email == "ana@example.com"
    assert application.answers == [{"question": "Portfolio link", "answer": "https://ana.art"}]
    # Anyone can submit: the audit chain records staff decisions, not anonymous submissions.
    assert not AuditRecord.objects.filter(action="application.submit").exists()


def test_a_missing_required_answer_is_refused_and_a_second_application_ignored(
    client, open_program, portfolio
):
    url = reverse("programs:apply", args=[open_program.slug])
    missing = client.post(url, {"name": "Ana", "email": "ana@example.com"})
    assert missing.status_code == 422
    assert not Application.objects.exists()
    data = {"name": "Ana", "email": "ana@example.com", f"q{portfolio.pk}": "https://ana.art"}
    client.post(url, data)
    again = client.post(url, data)
    assert again.status_code == 200  # the same thanks as any address (no membership oracle)
    assert Application.objects.count() == 1


def test_accepting_invites_into_the_chosen_cohort(
    manager_client, open_program, mailoutbox, django_capture_on_commit_callbacks
):
    cohort = Cohort.objects.create(program=open_program, name="Wave 2")
    application = applications.submit_application(
        program=open_program, name="Bo", email="bo@example.com", answers={}
    )
    url = reverse("console:application", args=[open_program.slug, application.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(url, {"decision": "accept", "cohort": cohort.pk})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.cohort) == ("bo@example.com", cohort)
    assert application.invitation == invitation
    assert [m.to for m in mailoutbox] == [["bo@example.com"]]
    # Deciding twice is refused with a message.
    again = manager_client.post(url, {"decision": "decline"})
    assert again.status_code == 422
    assert "already accepted" in again.content.decode()


def test_declining_sends_the_message(
    manager_client, open_program, mailoutbox, django_capture_on_commit_callbacks
):
    application = applications.submit_application(
        program=open_program, name="Cy", email="cy@example.com", answers={}
    )
    url = reverse("console:application", args=[open_program.slug, application.pk])
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(url, {"decision": "decline", "message": "Try the next wave."})
    application.refresh_from_db()
    assert application.status == Application.Status.DECLINED
    (mail,) = mailoutbox
    assert "Try the next wave." in mail.body
    assert not Invitation.objects.exists()


def test_the_queue_lists_pending_applications_and_manages_questions(manager_client, program):
    url = reverse("console:applications", args=[program.slug])
    manager_client.post(url, {"action": "open"})
    manager_client.post(url, {"action": "add", "q-label": "What would you make?", "q-kind": "long"})
    program.refresh_from_db()
    assert program.applications_open
    applications.submit_application(program=program, name="Di", email="di@example.com", answers={})
    page = manager_client.get(url).content.decode()
    assert "What would you make?" in page
    assert "di@example.com" in page


def test_an_application_of_another_program_is_404(manager_client, program):
    other = MembershipFactory(role=Membership.Role.PROGRAM_MANAGER).program
    applications.set_applications_open(program=other, is_open=True)
    theirs = applications.submit_application(
        program=other, name="Ed", email="ed@example.com", answers={}
    )
    assert (
        manager_client.get(
            reverse("console:application", args=[program.slug, theirs.pk])
        ).status_code
        == 404
    )
    assert manager_client.get(reverse("console:applications", args=[other.slug])).status_code == 404


def test_a_reviewer_of_program_a_gets_404_on_program_b_onboarding_pages(client, program):
    reviewer = MembershipFactory(program=program, role=Membership.Role.REVIEWER)
    other = MembershipFactory(role=Membership.Role.PROGRAM_MANAGER).program
    client.force_login(reviewer.user)
    for name in ["console:applications", "console:invitations", "console:agreements"]:
        assert client.get(reverse(name, args=[other.slug])).status_code == 404, name
        assert client.get(reverse(name, args=[program.slug])).status_code == 404, name


def test_a_url_question_needs_a_link(open_program, portfolio):
    with pytest.raises(OnboardingError, match="web link"):
        applications.submit_application(
            program=open_program,
            name="Fa",
            email="fa@example.com",
            answers={portfolio.pk: "javascript:alert(1)"},
        )
