"""Program managers invite testers in the console: one by one or from a CSV with a preview."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import clients
from accessprogram.programs import invitations
from accessprogram.programs.models import Cohort, Invitation, Membership
from factories import MembershipFactory, ProgramFactory, UserFactory


@pytest.fixture
def manager(program):
    return MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER)


@pytest.fixture
def manager_client(client, manager):
    """The test client, signed in as the program's manager."""
    return clients.signed_in(manager, client=client)


@pytest.fixture
def cohort(program):
    return Cohort.objects.create(program=program, name="Wave 1")


def upload(client, program, text, **extra):
    return client.post(
        reverse("console:invitations-csv", args=[program.slug]),
        {"csv-file": SimpleUploadedFile("testers.csv", text.encode(), "text/csv"), **extra},
    )


def test_invite_one_sends_an_email(
    manager_client, program, cohort, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            reverse("console:invitations", args=[program.slug]),
            {"one-name": "Ines", "one-email": "ines@example.com", "one-cohort": cohort.pk},
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.cohort) == ("ines@example.com", cohort)
    assert [m.to for m in mailoutbox] == [["ines@example.com"]]


def test_csv_import_with_bad_rows_writes_nothing_and_says_why(manager_client, program, cohort):
    MembershipFactory(program=program, user=UserFactory(email="member@example.com"))
    text = (
        "name,email,cohort\n"
        "Ada,ada@example.com,Wave 1\n"
        "Bad,not-an-email,Wave 1\n"
        "Nobody,nobody@example.com,Wave 9\n"
        "Again,ada@example.com,\n"
        "Member,member@example.com,\n"
        "Too,many@example.com,Wave 1,extra\n"
    )
    preview = upload(manager_client, program, text)
    assert preview.status_code == 422
    page = preview.content.decode()
    assert "“not-an-email” is not a valid email address." in page
    assert "There is no cohort “Wave 9” in this program." in page
    assert "ada@example.com is also on line 2." in page
    assert "member@example.com is already a member of this program." in page
    assert "Expected 3 columns" in page
    assert "nothing was sent" in page
    assert 'name="confirm"' not in page  # no confirm button while any row is bad
    # Forcing a confirm of the same file is refused as a whole.
    forced = upload(manager_client, program, text, confirm="yes")
    assert forced.status_code == 422
    assert "rows have errors; nothing was sent" in forced.content.decode()
    assert not Invitation.objects.exists()


def test_csv_import_previews_then_sends_every_row(
    manager_client, program, cohort, mailoutbox, django_capture_on_commit_callbacks, eager_celery
):
    text = "Ada,ada@example.com,wave 1\nBo,bo@example.com,\n"
    preview = upload(manager_client, program, text)
    assert preview.status_code == 200
    assert "Send 2 invitations" in preview.content.decode()
    assert not Invitation.objects.exists()  # a preview writes nothing
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = manager_client.post(
            reverse("console:invitations-csv", args=[program.slug]),
            {"csv-text": text, "confirm": "yes"},
        )
    assert confirmed.status_code == 302  # queued; here its task ran at once
    assert "2 invitations sent." in manager_client.get(confirmed["Location"]).content.decode()
    assert sorted(Invitation.objects.values_list("email", "cohort__name")) == [
        ("ada@example.com", "Wave 1"),
        ("bo@example.com", None),
    ]
    assert len(mailoutbox) == 2


def test_resend_and_revoke(manager_client, program, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitations.invite(program=program, email="r@example.com").invitation
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(
            reverse("console:invitation-resend", args=[program.slug, invitation.pk])
        )
    invitation.refresh_from_db()
    assert invitation.send_count == 2
    manager_client.post(reverse("console:invitation-revoke", args=[program.slug, invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED
    listing = manager_client.get(
        reverse("console:invitations", args=[program.slug])
    ).content.decode()
    assert "revoked" in listing


@pytest.mark.parametrize("role", ["reviewer", "finance", "tester"])
def test_other_roles_get_404(client, program, role):
    client.force_login(MembershipFactory(program=program, role=role).user)
    assert client.get(reverse("console:invitations", args=[program.slug])).status_code == 404


def test_a_manager_of_program_a_gets_404_on_program_b(manager_client, program):
    other = ProgramFactory()
    theirs = invitations.invite(program=other, email="b@example.com").invitation
    assert manager_client.get(reverse("console:invitations", args=[other.slug])).status_code == 404
    revoke = reverse("console:invitation-revoke", args=[program.slug, theirs.pk])
    assert manager_client.post(revoke).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Invitation.Status.SENT
