"""Publishing a new agreement version with a grace period: testers who accepted the previous
version keep portal and API access until it ends, see a banner, and get an email; after it the
new version binds like one published at once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accessprogram.access.selectors import check_token_access, token_for_secret
from accessprogram.audit.models import AuditRecord
from accessprogram.programs.models import Agreement, AgreementDraft
from accessprogram.programs.selectors import agreements_in_grace, memberships_awaiting_agreement
from accessprogram.programs.services import (
    OnboardingError,
    accept_agreement,
    publish_agreement,
    publish_draft,
    save_agreement_draft,
)
from clients import signed_in
from factories import MembershipFactory


def api_status(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get("/v1/videos")


def end_grace(agreement):
    """Time passes: the grace period is over (the row's moments move back instead)."""
    shift = agreement.required_from - agreement.published_at + timedelta(seconds=1)
    Agreement.objects.filter(pk=agreement.pk).update(
        published_at=agreement.published_at - shift, required_from=agreement.required_from - shift
    )


@pytest.fixture
def accepted_v1(tester):
    v1 = publish_agreement(program=tester.program, text="Version one.")
    accept_agreement(user=tester.user, agreement=v1, ip_address=None)
    return v1


def test_a_tester_keeps_api_access_during_grace_and_loses_it_after(tester, token, accepted_v1):
    v2 = publish_agreement(program=tester.program, text="Version two.", grace_days=7)
    assert v2.required_from == v2.published_at + timedelta(days=7)
    assert api_status(token).status_code == 200

    end_grace(v2)
    response = api_status(token)
    assert response.status_code == 403
    assert "(version 2)" in response.json()["error"]["message"]

    accept_agreement(user=tester.user, agreement=v2, ip_address=None)
    assert api_status(token).status_code == 200


def test_the_rule_takes_the_moment_it_is_asked_about(tester, token, accepted_v1):
    v2 = publish_agreement(program=tester.program, text="Version two.", grace_days=3)
    later = v2.required_from + timedelta(seconds=1)
    assert not memberships_awaiting_agreement(user=tester.user).exists()
    assert memberships_awaiting_agreement(user=tester.user, now=later).get() == tester
    assert list(agreements_in_grace(user=tester.user)) == [v2]
    assert not agreements_in_grace(user=tester.user, now=later).exists()


def test_a_tester_who_never_accepted_is_not_let_in_by_a_grace_period(tester, token):
    """Grace extends the previous version's acceptance; without one there is nothing to extend."""
    publish_agreement(program=tester.program, text="Version one.")
    publish_agreement(program=tester.program, text="Version two.", grace_days=7)
    response = api_status(token)
    assert response.status_code == 403
    assert "(version 2)" in response.json()["error"]["message"]  # the one to accept now


def test_a_first_agreement_with_grace_leaves_access_open_until_it_binds(tester, token):
    v1 = publish_agreement(program=tester.program, text="Version one.", grace_days=2)
    assert api_status(token).status_code == 200
    end_grace(v1)
    assert api_status(token).status_code == 403


def test_the_grace_check_stays_in_the_single_token_query(tester, token, accepted_v1):
    publish_agreement(program=tester.program, text="Version two.", grace_days=7)
    found = token_for_secret(secret=token)
    assert found.pending_agreement_version is None
    check_token_access(token=found)


def test_during_grace_the_portal_shows_a_banner_with_the_date_and_a_link(
    client, tester, accepted_v1
):
    v2 = publish_agreement(program=tester.program, text="Version **two**.", grace_days=5)
    signed_in(tester, client=client)
    page = client.get(reverse("programs:account"))
    assert page.status_code == 200  # not sent to the agreement page
    body = page.content.decode()
    assert 'data-testid="agreement-notice"' in body
    assert v2.required_from.strftime("%-d %b %Y") in body
    assert reverse("programs:agreement", args=[tester.program.slug]) in body

    agreement_page = client.get(reverse("programs:agreement", args=[tester.program.slug]))
    assert 'data-testid="agreement-deadline"' in agreement_page.content.decode()
    assert "<strong>two</strong>" in agreement_page.content.decode()
    client.post(reverse("programs:agreement", args=[tester.program.slug]), {"accept": "yes"})
    assert (
        'data-testid="agreement-notice"'
        not in client.get(reverse("programs:account")).content.decode()
    )


def test_after_grace_the_portal_sends_the_tester_to_the_agreement(client, tester, accepted_v1):
    v2 = publish_agreement(program=tester.program, text="Version two.", grace_days=5)
    end_grace(v2)
    signed_in(tester, client=client)
    response = client.get(reverse("programs:account"))
    assert response.status_code == 302
    assert reverse("programs:agreement", args=[tester.program.slug]) in response["Location"]


def test_testers_are_emailed_when_a_version_is_published(
    tester, accepted_v1, eager_celery, django_capture_on_commit_callbacks
):
    other = MembershipFactory(program=tester.program)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        v2 = publish_agreement(program=tester.program, text="Version two.", grace_days=10)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([tester.user.email, other.user.email])
    message = mail.outbox[0]
    assert "version 2" in message.subject
    assert v2.required_from.strftime("%-d %B %Y") in message.body
    assert f"/agreements/{tester.program.slug}/" in message.body


def test_drafts_are_audited_and_publishing_uses_the_draft_up(program, staff):
    save_agreement_draft(program=program, title="Terms", text="Draft one.", actor=staff)
    save_agreement_draft(program=program, title="Terms", text="Draft two.", actor=staff)
    assert AgreementDraft.objects.get(program=program).text == "Draft two."
    agreement = publish_draft(program=program, actor=staff, grace_days=3)
    assert (agreement.version, agreement.text, agreement.title) == (1, "Draft two.", "Terms")
    assert not AgreementDraft.objects.filter(program=program).exists()
    assert AuditRecord.objects.filter(action="agreement.draft").count() == 2
    published = AuditRecord.objects.get(action="agreement.publish")
    assert published.data["grace_days"] == 3
    with pytest.raises(OnboardingError, match="no draft"):
        publish_draft(program=program, actor=staff)


def test_a_grace_period_out_of_range_is_refused(program):
    with pytest.raises(OnboardingError, match="grace"):
        publish_agreement(program=program, text="Terms.", grace_days=365)
    assert not program.agreements.exists()


def test_publication_time_is_before_the_binding_time(program):
    now = timezone.now()
    agreement = publish_agreement(program=program, text="Terms.", grace_days=1, now=now)
    assert agreement.published_at == now
    assert agreement.required_from == now + timedelta(days=1)
