"""Invitations: single use, expiring, bound to one address; sign-up only through one."""

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accessprogram.audit.models import AuditRecord
from accessprogram.programs import invitations
from accessprogram.programs.models import Cohort, Invitation, Membership
from accessprogram.programs.services import OnboardingError
from accessprogram.programs.tasks import send_invitation_email
from factories import MembershipFactory, UserFactory

PASSWORD = "a-long-new-password-42"


@pytest.fixture
def cohort(program):
    return Cohort.objects.create(program=program, name="Wave 1")


def link_path(secret):
    return reverse("programs:invitation", args=[secret])


@dataclass(frozen=True)
class Sent:
    invitation: Invitation
    secret: str


def secret_in(message) -> str:
    (secret,) = re.findall(r"/invitations/([^/\s]+)/", message.body)
    return secret


def invite(program, email="new@example.com", cohort=None, **kwargs) -> Sent:
    """Invite, then run the email task as the worker does after commit; the secret is known
    only from the email."""
    invitation = invitations.invite(
        program=program, email=email, cohort=cohort, **kwargs
    ).invitation
    send_invitation_email.apply(args=[invitation.pk])
    return Sent(invitation=invitation, secret=secret_in(mail.outbox[-1]))


def sign_up(client, secret, *, email="new@example.com", username="newbie"):
    assert client.get(link_path(secret))["Location"] == reverse("account_signup")
    return client.post(
        reverse("account_signup"),
        {"email": email, "username": username, "password1": PASSWORD, "password2": PASSWORD},
    )


def test_the_invitation_email_is_sent_after_commit(
    program, cohort, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.PORTAL_URL = "https://beta.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        issued = invitations.invite(
            program=program, email="  New@Example.com ", name="Nia", cohort=cohort
        )
    invitation = issued.invitation
    assert invitation.email == "new@example.com"
    (sent,) = mailoutbox
    assert sent.to == ["new@example.com"]
    secret = secret_in(sent)
    assert f"https://beta.example.org/invitations/{secret}/" in sent.body
    invitation.refresh_from_db()
    assert invitation.digest == invitations.digest(secret) != secret  # only a digest is stored
    assert invitation.send_count == 1 and invitation.sent_at is not None
    assert AuditRecord.objects.filter(action="invitation.create").count() == 1


def test_signing_up_through_the_link_creates_the_membership_and_asks_to_verify(
    client, program, cohort, mailoutbox
):
    secret = invite(program, cohort=cohort).secret
    response = sign_up(client, secret)
    assert response.status_code == 302
    user = get_user_model().objects.get(email="new@example.com")
    membership = Membership.objects.get(user=user, program=program)
    assert (membership.role, membership.cohort) == (Membership.Role.TESTER, cohort)
    invitation = Invitation.objects.get()
    assert invitation.status == Invitation.Status.ACCEPTED
    assert invitation.accepted_by == user
    # Email verification is mandatory: not signed in yet, a confirmation mail went out.
    assert not EmailAddress.objects.get(user=user).verified
    assert any("confirm" in m.subject.lower() for m in mailoutbox)
    assert client.get(reverse("portal:home")).status_code == 302


def test_an_invitation_works_once(client, program):
    secret = invite(program).secret
    sign_up(client, secret)
    client.logout()
    again = client.get(link_path(secret))
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    with pytest.raises(OnboardingError, match="already been used"):
        invitations.accept_invitation(
            invitation_id=Invitation.objects.get().pk, user=UserFactory(email="new2@example.com")
        )
    assert Membership.objects.filter(program=program).count() == 1


def test_an_expired_invitation_cannot_be_used(client, program):
    issued = invite(program)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get(link_path(issued.secret))
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert Invitation.objects.get().status == Invitation.Status.EXPIRED
    # And signing up without a valid invitation in the session is closed.
    closed = client.get(reverse("account_signup"))
    assert "by invitation only" in closed.content.decode()
    assert not get_user_model().objects.filter(email="new@example.com").exists()


def test_an_unknown_link_is_404(client, db):
    response = client.get(link_path("not-a-real-secret"))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_signup_without_an_invitation_is_closed(client, db):
    response = client.post(
        reverse("account_signup"),
        {"email": "x@example.com", "username": "x", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert "by invitation only" in response.content.decode()
    assert not get_user_model().objects.filter(email="x@example.com").exists()


def test_the_signup_email_is_fixed_to_the_invitation(client, program):
    secret = invite(program).secret
    response = sign_up(client, secret, email="someone-else@example.com")
    assert response.status_code == 200
    assert "new@example.com" in response.content.decode()
    assert not get_user_model().objects.filter(email="someone-else@example.com").exists()
    assert Invitation.objects.get().status == Invitation.Status.OPENED


def test_a_revoked_invitation_cannot_be_used(client, program):
    issued = invite(program)
    invitations.revoke_invitation(invitation=issued.invitation)
    response = client.get(link_path(issued.secret))
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()


def test_resending_replaces_the_link(
    client, program, mailoutbox, django_capture_on_commit_callbacks
):
    first = invite(program)
    with django_capture_on_commit_callbacks(execute=True):
        invitations.resend_invitation(invitation=first.invitation)
    assert len(mailoutbox) == 2
    assert client.get(link_path(first.secret)).status_code == 404
    assert client.get(link_path(secret_in(mailoutbox[-1]))).status_code == 302


@pytest.mark.parametrize("existing", ["member", "invited"])
def test_duplicate_email_is_refused(program, existing):
    if existing == "member":
        MembershipFactory(program=program, user=UserFactory(email="dup@example.com"))
    else:
        invite(program, email="dup@example.com")
    with pytest.raises(OnboardingError, match=r"dup@example\.com"):
        invite(program, email="DUP@example.com")
    assert Invitation.objects.filter(program=program).count() == (existing == "invited")


def test_an_expired_invitation_frees_the_address_for_a_new_one(program):
    invite(program)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    invite(program)
    assert sorted(Invitation.objects.values_list("status", flat=True)) == ["expired", "sent"]


def test_an_existing_account_signs_in_and_accepts(client, program):
    user = UserFactory(email="known@example.com")
    secret = invite(program, email="known@example.com").secret
    page = client.get(link_path(secret))
    assert page.status_code == 200 and "Sign in" in page.content.decode()
    client.force_login(user)
    response = client.post(link_path(secret))
    assert response.status_code == 302
    assert Membership.objects.filter(user=user, program=program).exists()


def test_someone_else_cannot_accept_an_invitation(client, program):
    secret = invite(program, email="intended@example.com").secret
    client.force_login(UserFactory(email="other@example.com"))
    client.post(link_path(secret))
    assert not Membership.objects.filter(program=program).exists()
    assert Invitation.objects.get().status == Invitation.Status.OPENED
